/**
 * What every chat destination kind must do, run against a real loopback server
 * playing the service (test/support/chat-host.ts): the answers the service gives
 * mapped to delivered / retry / reject, the deadline, redirects, pacing and
 * Retry-After, the storm that becomes one message, and no secret in any message.
 * slack.test.ts and teams.test.ts run it with their kind and its validator.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { freePort } from '../../dev/net';
import type { ChatConfig, ChatDeps } from '../../src/destinations/chat';
import type { Destination } from '../../src/destinations/destination';
import type { Exchange } from '../../src/destinations/post-json';
import { chatHost, type Answer, type ChatHost } from './chat-host';
import { batchOf, documentedEvents, eventArb, failureStorm } from './chat-events';

export interface ChatKindUnderTest {
  kind: 'slack' | 'teams';
  parse: (raw: unknown, o: { local: boolean }) => { ok: true; value: ChatConfig } | { ok: false; errors: string[] };
  create: (name: string, config: ChatConfig, deps?: ChatDeps) => Destination;
  /** the service's success answer */
  ok: Answer;
  /** a real URL of the service (a made-up token) */
  serviceUrl: string;
  /** what is wrong with a message by the service's documented format and limits ([] when nothing) */
  problems: (body: unknown) => string[];
  /** every text of a message a reader sees */
  texts: (body: unknown) => string[];
}

/** A fake clock for pacing: `sleep` advances it (no test waits for real time). */
function clock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[]; advance: (ms: number) => void } {
  let t = 1_800_000_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
    advance: (ms) => {
      t += ms;
    },
  };
}

export function chatKindSuite(k: ChatKindUnderTest): void {
  let host: ChatHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });
  const config = (url: string, o: Partial<ChatConfig> = {}): ChatConfig => {
    const parsed = k.parse({ kind: k.kind, url, ...o }, { local: true });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return parsed.value;
  };
  /** a host whose URL is its own (pacing is per webhook URL, per container) */
  const start = async (...answers: Answer[]): Promise<{ host: ChatHost; url: string }> => {
    host = await chatHost(...answers);
    return { host, url: `${host.url}/${randomUUID()}` };
  };

  describe(`${k.kind}: a message per batch, answered as the service answers`, () => {
    it('the documented Notification and Observability events are one readable message, within the format and limits', async () => {
      const { host, url } = await start(k.ok);
      const c = clock();
      const d = k.create('oncall', config(url), { sleep: c.sleep });
      const attempt = await d.send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now });
      expect(attempt).toMatchObject({ outcome: 'delivered' });
      expect(host.requests).toHaveLength(1);
      const body = host.requests[0].body;
      expect(k.problems(body)).toEqual([]);
      const shown = k.texts(body).join('\n');
      // campaign abort / failure: campaign, user, instance, time; the quota; the status' queues; any other type generically
      for (const s of ['Campaign aborted', 'Campaign failed', '1234', 'foo@bar.com', '123-ABC-456', '2024-12-18T07:35:12.000Z', 'Web services quota', '25%', '1,000,000', 'Observability status', '65,432,100', 'lag 15 s', 'backlog 10 requests / 1,000 records', 'com.adobe.platform.marketo.observability.metrics', 'campaign-failures']) {
        expect(shown).toContain(s);
      }
      expect(d.maxBatchEvents).toBe(500);
    });

    it('a storm of 200 campaign failures is one summary message: counts by type and campaign, the first five, "…and 195 more"', async () => {
      const { host, url } = await start(k.ok);
      const c = clock();
      const attempt = await k.create('oncall', config(url), { sleep: c.sleep }).send(batchOf(failureStorm(200)), { deadline: c.now() + 5000, now: c.now });
      expect(attempt).toMatchObject({ outcome: 'delivered' });
      expect(host.requests).toHaveLength(1);
      expect(k.problems(host.requests[0].body)).toEqual([]);
      const shown = k.texts(host.requests[0].body).join('\n');
      for (const s of ['200 Marketo events', 'Campaign failed', '200', 'By campaign', '1000', '67', '1001', '1002', '66', 'First 5', '…and 195 more']) expect(shown).toContain(s);
    });

    it.each([
      [400, 'invalid_payload'],
      [403, 'action_prohibited'],
      [404, 'no_service'],
      [404, 'channel_not_found'],
      [410, 'channel_is_archived'],
      [413, 'Request Entity too large'],
    ])('%i %s: rejected (no retry can fix it) with the status and the answer', async (status, body) => {
      const { url } = await start({ status, body });
      const c = clock();
      const attempt = await k.create('oncall', config(url), { sleep: c.sleep }).send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now });
      expect(attempt).toEqual({ outcome: 'reject', status, reason: `answered ${status}`, excerpt: body });
    });

    it.each([500, 502, 503, 408])('%i: retried', async (status) => {
      const { url } = await start({ status, body: 'rollup_error' });
      const c = clock();
      const attempt = await k.create('oncall', config(url), { sleep: c.sleep }).send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now });
      expect(attempt).toMatchObject({ outcome: 'retry', status });
    });

    it('429 with Retry-After: retry after that many seconds, and the next send from this container waits for it instead of posting', async () => {
      const { host, url } = await start({ status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } }, k.ok);
      const c = clock();
      const d = k.create('oncall', config(url), { sleep: c.sleep });
      expect(await d.send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now })).toMatchObject({ outcome: 'retry', status: 429, retryAfterMs: 7000 });
      c.advance(1000);
      // 6 s to wait, 5 s to the deadline: answered at once, nothing posted
      expect(await d.send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now })).toEqual({ outcome: 'retry', reason: expect.stringContaining('paced'), retryAfterMs: 6000 });
      expect(host.requests).toHaveLength(1);
      // with the time to wait: waits (the fake clock), then posts
      expect(await d.send(batchOf(documentedEvents()), { deadline: c.now() + 30_000, now: c.now })).toMatchObject({ outcome: 'delivered' });
      expect(c.slept).toEqual([6000]);
      expect(host.requests).toHaveLength(2);
    });

    it('Retry-After as an HTTP-date', async () => {
      const c = clock();
      const { url } = await start({ status: 503, headers: { 'retry-after': new Date(c.now() + 120_000).toUTCString() } });
      expect(await k.create('oncall', config(url), { sleep: c.sleep }).send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now })).toMatchObject({ outcome: 'retry', status: 503, retryAfterMs: 120_000 });
    });

    it('two sends within a second from one container are spaced by minIntervalMs (within the deadline); one that cannot wait is answered retry', async () => {
      const { host, url } = await start(k.ok);
      const c = clock();
      const d = k.create('oncall', config(url), { sleep: c.sleep });
      await expect(d.send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now })).resolves.toMatchObject({ outcome: 'delivered' });
      c.advance(200);
      await expect(d.send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now })).resolves.toMatchObject({ outcome: 'delivered' });
      expect(c.slept).toEqual([800]);
      // a destination made anew (the next activation, same container) shares the webhook's pace
      const again = k.create('oncall', config(url), { sleep: c.sleep });
      await expect(again.send(batchOf(documentedEvents()), { deadline: c.now() + 1500, now: c.now })).resolves.toEqual({ outcome: 'retry', reason: expect.stringContaining('paced'), retryAfterMs: 1000 });
      expect(host.requests).toHaveLength(2);
    });

    it('a host that never answers: retry at the deadline', async () => {
      const { url } = await start('hang');
      const attempt = await k.create('oncall', config(url)).send(batchOf(documentedEvents()), { deadline: Date.now() + 300, now: Date.now });
      expect(attempt).toEqual({ outcome: 'retry', reason: 'no answer: timeout' });
    });

    it('a redirect is not followed: rejected, and its target never sees the message', async () => {
      const target = await chatHost(k.ok);
      try {
        const { url } = await start({ redirect: target.url });
        const c = clock();
        const attempt = await k.create('oncall', config(url), { sleep: c.sleep }).send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now });
        expect(attempt).toMatchObject({ outcome: 'reject', status: 302, reason: expect.stringContaining('redirect') });
        expect(target.requests).toEqual([]);
      } finally {
        await target.close();
      }
    });

    it('a refused connection: retry', async () => {
      const port = await freePort();
      const c = clock();
      const attempt = await k.create('oncall', config(`http://127.0.0.1:${port}/hook`), { sleep: c.sleep }).send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now });
      expect(attempt).toEqual({ outcome: 'retry', reason: 'no answer: ECONNREFUSED' });
    });

    it('deployed, a name that resolves to an internal address is refused when connecting: rejected, nothing sent', async () => {
      const { host: h, url } = await start(k.ok);
      const c = clock();
      const deployed = { ...config(url), url: url.replace('127.0.0.1', 'localhost'), guardAddresses: true };
      const attempt = await k.create('oncall', deployed, { sleep: c.sleep }).send(batchOf(documentedEvents()), { deadline: c.now() + 5000, now: c.now });
      expect(attempt).toEqual({ outcome: 'reject', reason: 'refused: localhost resolves to an internal address' });
      expect(h.requests).toEqual([]);
    });
  });

  describe(`${k.kind}: no secret, token or payload in any message`, () => {
    it('any events (secret-looking values in every field no template shows, markup in the shown ones): no secret in the message, the format and limits hold', async () => {
      let sent: unknown;
      const exchange: Exchange = async (_url, _ms, o) => {
        sent = JSON.parse(String(o.body));
        return { status: 200, text: 'ok', headers: {} };
      };
      const c = clock();
      const d = k.create('oncall', config(k.serviceUrl, { minIntervalMs: 0 }), { exchange, sleep: c.sleep });
      await fc.assert(
        fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 15 }), async (items) => {
          const attempt = await d.send(batchOf(items.map((i) => i.event)), { deadline: c.now() + 5000, now: c.now });
          expect(attempt.outcome).toBe('delivered');
          const json = JSON.stringify(sent);
          for (const secret of items.flatMap((i) => i.secrets)) expect(json).not.toContain(secret);
          expect(k.problems(sent)).toEqual([]);
        }),
        { numRuns: 150 },
      );
    });
  });

  describe(`${k.kind}: configuration`, () => {
    const deployed = { local: false };
    it('deployed: https to a public host; defaults 5 events before a summary, 1 message a second, 500 events a batch', () => {
      expect(k.parse({ kind: k.kind, url: k.serviceUrl }, deployed)).toEqual({ ok: true, value: { url: new URL(k.serviceUrl).href, coalesceOver: 5, minIntervalMs: 1000, maxBatchEvents: 500, guardAddresses: true } });
      expect(k.parse({ url: k.serviceUrl, coalesceOver: 10, minIntervalMs: 250, maxBatchEvents: 100 }, deployed)).toMatchObject({ ok: true, value: { coalesceOver: 10, minIntervalMs: 250, maxBatchEvents: 100 } });
    });
    it.each([
      ['http://hooks.example.com/x/secret-path', 'https'],
      ['https://127.0.0.1/x/secret-path', 'public host'],
      ['https://10.1.2.3/x/secret-path', 'public host'],
      ['https://169.254.169.254/latest/secret-path', 'public host'],
      ['https://[::1]/x/secret-path', 'public host'],
      ['https://[::ffff:192.168.0.1]/x/secret-path', 'public host'],
      ['https://[fd00::1]/x/secret-path', 'public host'],
      ['https://localhost/x/secret-path', 'public host'],
      ['https://intranet/x/secret-path', 'public host'],
      ['https://hooks.corp.internal/x/secret-path', 'public host'],
      ['https://user:pass@hooks.example.com/x/secret-path', 'credentials'],
      ['ftp://hooks.example.com/x/secret-path', 'https'],
      ['not a url secret-path', 'not a URL'],
    ])('deployed, %s is refused (%s), the error never quoting it', (url, why) => {
      const r = k.parse({ url }, deployed);
      expect(r.ok).toBe(false);
      const errors = r.ok ? [] : r.errors;
      expect(errors.join(' ')).toContain(why);
      expect(errors.join(' ')).not.toContain('secret-path');
    });
    it('locally, loopback http is accepted (tests and npm start), other http is not', () => {
      expect(k.parse({ url: 'http://127.0.0.1:8080/hook' }, { local: true }).ok).toBe(true);
      expect(k.parse({ url: 'http://localhost:8080/hook' }, { local: true }).ok).toBe(true);
      expect(k.parse({ url: 'http://hooks.example.com/hook' }, { local: true }).ok).toBe(false);
    });
    it('a missing url, an unknown setting, an out-of-range number, another kind: every error at once', () => {
      const r = k.parse({ kind: 'webhook', coalesceOver: 0, minIntervalMs: -1, maxBatchEvents: 1.5, secret: 'whsec_x' }, deployed);
      expect(r).toEqual({ ok: false, errors: [`kind: expected "${k.kind}"`, expect.stringContaining('secret: not a setting'), 'url is missing', expect.stringContaining('coalesceOver'), expect.stringContaining('minIntervalMs'), expect.stringContaining('maxBatchEvents')] });
      expect(k.parse('https://hooks.example.com', deployed)).toEqual({ ok: false, errors: ['expected an object with a url'] });
    });
  });
}
