/**
 * The webhook destination against a real local receiver that verifies every
 * request with the Standard Webhooks reference library (`standardwebhooks`),
 * never with our signing code: answers 2xx, 429 with Retry-After, 503, 400,
 * a hang, a redirect, a refused connection; secret rotation; the batch id.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver';
import { freePort } from '../../dev/net';
import type { DestinationBatch } from '../../src/destinations/destination';
import { batchIdOf, splitBatches } from '../../src/destinations/batches';
import { sendBatches } from '../../src/destinations/send-batches';
import { retryAfterMs } from '../../src/destinations/post-json';
import { createWebhookDestination, parseWebhookConfig, type WebhookConfig } from '../../src/destinations/webhook';
import { testEnvelope } from '../support/envelope';

const secret = (bytes = 32): string => `whsec_${randomBytes(bytes).toString('base64')}`;
const SECRET = secret();

let receiver: WebhookReceiver;
beforeEach(async () => (receiver = await startWebhookReceiver({ secret: SECRET })));
afterEach(async () => receiver.close());

const config = (o: Partial<WebhookConfig> & { secret?: string } = {}): WebhookConfig => {
  const parsed = parseWebhookConfig({ kind: 'webhook', url: o.url ?? receiver.url, secret: o.secret ?? SECRET, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }, { local: true });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return { ...parsed.value, ...(o.guardAddresses !== undefined ? { guardAddresses: o.guardAddresses } : {}) };
};
const events = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => testEnvelope(`${prefix}-${i}`));
const batchOf = (n = 2): DestinationBatch => {
  const evs = events(n);
  return { route: 'crm-route', events: evs, batchId: batchIdOf('crm-route', evs) };
};
const soon = (ms = 3000) => ({ deadline: Date.now() + ms, now: Date.now });

describe('webhook config (DESTINATIONS entry)', () => {
  it('takes a whsec_ secret of 24 to 64 bytes, several while rotating (space-separated or a list)', () => {
    const two = parseWebhookConfig({ kind: 'webhook', url: 'https://hooks.example.com/m', secret: `${secret()} ${secret(24)}` }, { local: false });
    expect(two.ok && two.value.secrets.map((s) => s.length)).toEqual([32, 24]);
    const list = parseWebhookConfig({ kind: 'webhook', url: 'https://hooks.example.com/m', secret: [secret(64)] }, { local: false });
    expect(list.ok && list.value.guardAddresses).toBe(true);
  });
  it.each([
    [{ secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, /must start with "whsec_"/],
    [{ secret: 'whsec_not base64!' }, /not base64/],
    [{ secret: `whsec_${randomBytes(16).toString('base64')}` }, /16 bytes: the spec asks for 24 to 64/],
    [{ secret: `whsec_${randomBytes(65).toString('base64')}` }, /65 bytes/],
    [{ secret: undefined }, /secret is missing/],
    [{ batch: { events: 0 } }, /batch.events must be an integer from 1 to 1000/],
    [{ extra: 1 }, /unknown key "extra"/],
  ])('refuses %j', (patch, error) => {
    const r = parseWebhookConfig({ kind: 'webhook', url: 'https://hooks.example.com/m', secret: SECRET, ...patch }, { local: false });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual(expect.arrayContaining([expect.stringMatching(error)]));
      // never the secret itself
      expect(r.errors.join(' ')).not.toContain(SECRET.slice(6));
    }
  });
});

describe('destination URLs (SSRF rules: endpoint-url.ts, its own tests cover the ranges)', () => {
  it.each([
    ['http://hooks.example.com/x', /must be https/],
    ['https://10.1.2.3/x', /public host/],
    ['https://user:pw@hooks.example.com/x', /credentials/],
  ])('deployed: the webhook kind refuses %s', (url, error) => {
    const r = parseWebhookConfig({ kind: 'webhook', url, secret: SECRET }, { local: false });
    expect(r.ok ? [] : r.errors).toEqual([expect.stringMatching(error)]);
  });
  it('deployed: a name resolving to a private address is refused when connecting, and nothing is sent', async () => {
    const port = Number(new URL(receiver.url).port);
    const dest = createWebhookDestination('crm', { ...config(), url: `http://localhost:${port}/hooks`, guardAddresses: true });
    const a = await dest.send(batchOf(), soon());
    expect(a).toEqual({ outcome: 'reject', reason: 'refused: localhost resolves to an internal address' });
    expect(receiver.requests).toEqual([]);
    await dest.close?.();
  });
});

describe('webhook sends', () => {
  it('2xx: delivered, the body is {route, events}, signed as the reference library verifies', async () => {
    const dest = createWebhookDestination('crm', config());
    const batch = batchOf(3);
    expect(await dest.send(batch, soon())).toEqual({ outcome: 'delivered', status: 204 });
    expect(receiver.unverified).toBe(0);
    expect(receiver.requests).toEqual([expect.objectContaining({ id: `msg_${batch.batchId}`, route: 'crm-route', events: batch.events.map((e) => ({ id: e.id, stream: e.stream })) })]);
    expect(Math.abs(Number(receiver.requests[0].timestamp) - Date.now() / 1000)).toBeLessThan(60);
    await dest.close?.();
  });
  it('rotation: signed with every secret, a receiver knowing only the new one (or only the old one) verifies', async () => {
    const fresh = secret();
    const knowsNew = await startWebhookReceiver({ secret: fresh });
    try {
      for (const r of [knowsNew, receiver]) {
        const dest = createWebhookDestination('crm', config({ url: r.url, secret: `${fresh} ${SECRET}` }));
        expect((await dest.send(batchOf(), soon())).outcome).toBe('delivered');
        expect(r.unverified).toBe(0);
        await dest.close?.();
      }
      // and one that knows neither refuses it
      const dest = createWebhookDestination('crm', config({ url: knowsNew.url, secret: secret() }));
      expect(await dest.send(batchOf(), soon())).toEqual(expect.objectContaining({ outcome: 'reject', status: 401 }));
      expect(knowsNew.unverified).toBe(1);
      await dest.close?.();
    } finally {
      await knowsNew.close();
    }
  });
  it('429 with Retry-After and 503: retry; 400: reject with a bounded excerpt', async () => {
    const answers = [
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, headers: { 'retry-after': new Date(Date.now() + 60_000).toUTCString() } },
      { status: 400, body: 'x'.repeat(5000) },
      { status: 410, body: 'gone' },
    ];
    receiver.behave((_r, n) => answers[n - 1]);
    const dest = createWebhookDestination('crm', config());
    expect(await dest.send(batchOf(), soon())).toEqual({ outcome: 'retry', reason: 'answered 429', status: 429, retryAfterMs: 7000 });
    const second = await dest.send(batchOf(), soon());
    expect(second).toEqual(expect.objectContaining({ outcome: 'retry', status: 503 }));
    expect(second.outcome === 'retry' && second.retryAfterMs).toBeGreaterThan(50_000);
    const third = await dest.send(batchOf(), soon());
    expect(third).toEqual(expect.objectContaining({ outcome: 'reject', status: 400, reason: 'answered 400' }));
    expect(third.outcome === 'reject' && third.excerpt?.length).toBe(513);
    expect(await dest.send(batchOf(), soon())).toEqual({ outcome: 'reject', status: 410, reason: 'answered 410', excerpt: 'gone' });
    await dest.close?.();
  });
  it('a hang: retry after the attempt timeout; a refused connection: retry', async () => {
    receiver.behave(() => 'hang');
    const dest = createWebhookDestination('crm', config({ timeoutMs: 300 }));
    expect(await dest.send(batchOf(), soon())).toEqual({ outcome: 'retry', reason: 'timeout: no answer within 300 ms' });
    await dest.close?.();
    const closed = createWebhookDestination('crm', config({ url: `http://127.0.0.1:${await freePort()}/hooks` }));
    expect(await closed.send(batchOf(), soon())).toEqual({ outcome: 'retry', reason: 'no answer: ECONNREFUSED' });
    await closed.close?.();
  });
  it('a redirect is not followed: reject', async () => {
    let followed = 0;
    const target = http.createServer((_q, s) => void (followed++, s.end()));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    receiver.behave(() => ({ status: 307, headers: { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/` } }));
    const dest = createWebhookDestination('crm', config());
    expect(await dest.send(batchOf(), soon())).toEqual(expect.objectContaining({ outcome: 'reject', status: 307, reason: 'answered 307: a redirect, not followed' }));
    expect(followed).toBe(0);
    await dest.close?.();
    await new Promise((r) => target.close(r));
  });
  it('Retry-After: seconds or an HTTP date', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
  });
});

describe('batches', () => {
  it('split by count and bytes, in order; the id is stable for the same events and differs for others', () => {
    const evs = events(250);
    const batches = splitBatches('r', evs, { maxEvents: 100, maxBytes: 1024 * 1024 });
    expect(batches.map((b) => b.events.length)).toEqual([100, 100, 50]);
    expect(splitBatches('r', evs, { maxEvents: 100, maxBytes: 1024 * 1024 }).map((b) => b.batchId)).toEqual(batches.map((b) => b.batchId));
    expect(new Set(batches.map((b) => b.batchId)).size).toBe(3);
    expect(batchIdOf('other', batches[0].events)).not.toBe(batches[0].batchId);
    const one = Buffer.byteLength(JSON.stringify(evs[0]));
    const bySize = splitBatches('r', evs.slice(0, 10), { maxEvents: 100, maxBytes: 40 + 3 * one });
    expect(bySize.every((b) => Buffer.byteLength(JSON.stringify({ route: 'r', events: b.events })) <= 40 + 3 * one)).toBe(true);
    expect(bySize.flatMap((b) => b.events)).toEqual(evs.slice(0, 10));
  });
  it('a retried batch carries the same webhook-id; Retry-After is waited for within the budget', async () => {
    receiver.behave((_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const dest = createWebhookDestination('crm', config());
    const waits: number[] = [];
    const report = await sendBatches(dest, 'crm-route', events(150), { deadline: Date.now() + 10_000, now: Date.now, sleep: async (ms) => void waits.push(ms) });
    expect(report).toEqual(expect.objectContaining({ batches: 2, attempts: 3, left: [], rejected: [] }));
    expect(report.delivered).toHaveLength(150);
    expect(waits).toEqual([1000]);
    expect(receiver.requests.map((r) => r.id)).toEqual([receiver.requests[0].id, receiver.requests[0].id, receiver.requests[2].id]);
    expect(receiver.requests[2].id).not.toBe(receiver.requests[0].id);
    await dest.close?.();
  });
  it('out of budget: the failing batch and every one after it are left, with the last error; a rejected batch is set aside', async () => {
    receiver.behave((r) => (r.events[0].id === 'e-0' ? { status: 400 } : { status: 503 }));
    const dest = createWebhookDestination('crm', config());
    const report = await sendBatches(dest, 'crm-route', events(250), { deadline: Date.now() + 2000, now: Date.now, sleep: async () => undefined, backoffMs: 400 });
    expect(report.rejected.map((r) => r.batch.events.length)).toEqual([100]);
    expect(report.left.map((e) => e.id)).toEqual(events(250).slice(100).map((e) => e.id));
    expect(report.lastError).toBe('answered 503');
    expect(report.delivered).toEqual([]);
    await dest.close?.();
  });
});
