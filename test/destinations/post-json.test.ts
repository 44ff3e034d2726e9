/**
 * The POST every HTTP destination shares: its answer read up to a bound and cut
 * beyond it (the status is what counts), Retry-After read as seconds or an
 * HTTP-date, no attempt begun past the deadline. The hosts are real HTTP
 * servers on loopback.
 */
import { postJson, retryAfterMs } from '../../src/destinations/post-json';
import { chatHost, type ChatHost } from '../support/chat-host';
import { dribblingHost, waitFor, type Host } from '../support/dribbling-host';

describe('postJson', () => {
  let host: Host | undefined;
  let chat: ChatHost | undefined;
  afterEach(async () => {
    await host?.close();
    await chat?.close();
    host = chat = undefined;
  });

  it('a 2xx whose body never ends is delivered: the answer is cut at its bound and the connection closed', async () => {
    host = await dribblingHost({ plan: Infinity, chunk: 4096, everyMs: 1 });
    const attempt = await postJson(`${host.url}/hook`, { text: 'x' }, { deadline: Date.now() + 5000, now: Date.now, maxAnswerBytes: 8192 });
    expect(attempt).toEqual({ outcome: 'delivered', status: 200, detail: `${'A'.repeat(512)}…` });
    await waitFor(() => host!.served[0]?.cutOff);
    expect(host.served[0].cutOff).toBe(true);
  });

  it('a 2xx announcing a body over the bound is delivered without reading it', async () => {
    host = await dribblingHost({ plan: 1024 * 1024, chunk: 1024, everyMs: 5 });
    expect(await postJson(`${host.url}/hook`, {}, { deadline: Date.now() + 5000, now: Date.now, maxAnswerBytes: 1024 })).toEqual({ outcome: 'delivered', status: 200 });
  });

  it('sends the body as JSON, and a refusal keeps a bounded excerpt of the answer', async () => {
    chat = await chatHost({ status: 400, body: `invalid_payload ${'x'.repeat(2000)}` });
    const attempt = await postJson(chat.url, { text: 'hé <b>' }, { deadline: Date.now() + 5000, now: Date.now });
    expect(chat.requests[0]).toMatchObject({ body: { text: 'hé <b>' }, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(attempt).toMatchObject({ outcome: 'reject', status: 400, reason: 'answered 400' });
    expect(attempt.outcome === 'reject' && attempt.excerpt?.length).toBe(513);
  });

  it('no attempt is begun past the deadline', async () => {
    chat = await chatHost({ status: 200, body: 'ok' });
    expect(await postJson(chat.url, {}, { deadline: Date.now() - 1, now: Date.now })).toEqual({ outcome: 'retry', reason: 'no time left before the deadline' });
    expect(chat.requests).toEqual([]);
  });
});

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-12-08T00:00:00Z');
  it.each([
    ['7', 7000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Tue, 08 Dec 2026 00:01:30 GMT', 90_000],
    ['Mon, 07 Dec 2026 23:00:00 GMT', 0],
    [['3', '9'], 3000],
  ])('%j → %i ms', (value, ms) => {
    expect(retryAfterMs(value as string | string[], now)).toBe(ms);
  });
  it.each([undefined, '', '1.5', '-3', 'soon', '1e3'])('%j → undefined', (value) => {
    expect(retryAfterMs(value, now)).toBeUndefined();
  });
});
