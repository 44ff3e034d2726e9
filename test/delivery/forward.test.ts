import type { Envelope } from '../../src/envelope/envelope';
import { forwardAll, runBounded, splitForParams, type ForwardOptions } from '../../src/delivery/forward';
import { FakeInvoker } from '../support/fake-invoker';
import { testEnvelope } from '../support/envelope';

const envelope = (i: number, size = 100): Envelope => testEnvelope(`id-${i}`, { stream: 'lead-activity', data: { pad: 'x'.repeat(size) } });

const options = (o: Partial<ForwardOptions> = {}): ForwardOptions => ({
  concurrency: 4,
  timeoutMs: 1000,
  maxParamBytes: 1_000_000,
  deadline: Date.now() + 10_000,
  sleep: async () => undefined,
  random: () => 0.5,
  ...o,
});

describe('splitForParams', () => {
  it('keeps every chunk within the limit, in order, losing nothing', () => {
    const events = Array.from({ length: 500 }, (_, i) => envelope(i, 5000));
    const chunks = splitForParams('r', events, 1_000_000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat().map((e) => e.id)).toEqual(events.map((e) => e.id));
    for (const c of chunks) expect(Buffer.byteLength(JSON.stringify({ route: 'r', events: c }))).toBeLessThanOrEqual(1_000_000);
  });
  it('one chunk when everything fits', () => {
    expect(splitForParams('r', [envelope(1), envelope(2)], 1_000_000)).toHaveLength(1);
  });
});

describe('runBounded', () => {
  it('never runs more than the limit at once and keeps result order', async () => {
    let active = 0;
    let peak = 0;
    const tasks = Array.from({ length: 20 }, (_, i) => async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
      return i;
    });
    expect(await runBounded(tasks, 3)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
  });
});

describe('forwardAll', () => {
  it('hands every chunk off and reports activation ids', async () => {
    const inv = new FakeInvoker();
    const events = Array.from({ length: 300 }, (_, i) => envelope(i, 5000));
    const [r] = await forwardAll(inv, [{ route: 'a', action: 'pkg/a', events }], options());
    expect(r.handedOff).toHaveLength(300);
    expect(r.failed).toHaveLength(0);
    expect(r.activationIds.length).toBe(inv.invocations.length);
    expect(Math.max(...inv.invocations.map((i) => i.bytes))).toBeLessThanOrEqual(1_000_000);
  });
  it('bounds concurrency across routes', async () => {
    const inv = new FakeInvoker();
    const plans = Array.from({ length: 8 }, (_, i) => ({ route: `r${i}`, action: `pkg/r${i}`, events: [envelope(i)] }));
    await forwardAll(inv, plans, options({ concurrency: 2 }));
    expect(inv.invocations).toHaveLength(8);
    expect(inv.maxInFlight).toBeLessThanOrEqual(2);
  });
  it.each(['429', '500', 'network', 'timeout'] as const)('retries once after %s, with jitter', async (fault) => {
    const inv = new FakeInvoker();
    let first = true;
    inv.fault = () => (first ? ((first = false), fault) : 'ok');
    const sleeps: number[] = [];
    const [r] = await forwardAll(inv, [{ route: 'a', action: 'pkg/a', events: [envelope(1)] }], options({ sleep: async (ms) => void sleeps.push(ms) }));
    expect(r.handedOff).toHaveLength(1);
    expect(inv.invocations).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(250);
  });
  it('gives up after the second failure and reports the reason', async () => {
    const inv = new FakeInvoker();
    inv.fault = () => '502';
    const [r] = await forwardAll(inv, [{ route: 'a', action: 'pkg/a', events: [envelope(1)] }], options());
    expect(r.failed).toEqual([{ events: [expect.objectContaining({ id: 'id-1' })], reason: 'HTTP 502', attempts: 2, permanent: false }]);
  });
  it('does not retry a non-retryable answer', async () => {
    const inv = new FakeInvoker();
    inv.fault = () => '400';
    const [r] = await forwardAll(inv, [{ route: 'a', action: 'pkg/a', events: [envelope(1)] }], options());
    expect(r.failed[0].attempts).toBe(1);
  });
  it('starts no attempt that would end past the deadline', async () => {
    const inv = new FakeInvoker();
    const [r] = await forwardAll(inv, [{ route: 'a', action: 'pkg/a', events: [envelope(1)] }], options({ deadline: Date.now() + 10, timeoutMs: 1000 }));
    expect(inv.invocations).toHaveLength(0);
    expect(r.failed[0].reason).toMatch(/budget/);
  });
  it('one failing route does not affect the others', async () => {
    const inv = new FakeInvoker();
    inv.fault = (action) => (action === 'pkg/b' ? '500' : 'ok');
    const plans = ['a', 'b', 'c'].map((r) => ({ route: r, action: `pkg/${r}`, events: [envelope(1)] }));
    const results = await forwardAll(inv, plans, options());
    expect(results.map((r) => r.handedOff.length)).toEqual([1, 0, 1]);
  });
});
