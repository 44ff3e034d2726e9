/**
 * The outbound GET (signing keys, Marketo REST) is bounded as a whole: a host
 * that dribbles its answer one byte at a time — never idle long enough for a
 * socket timeout — is cut off at the call's deadline, and a body without end at
 * the size bound. The hosts are real HTTP servers on loopback; each records
 * whether the client hung up before the host had sent all it meant to send.
 */
import { getText } from '../../src/http/get-text';
import { createKeyProvider } from '../../src/io-events/public-keys';
import { dribblingHost, waitFor, type Host } from '../support/dribbling-host';

describe('getText: one deadline and one size bound for the whole answer', () => {
  let host: Host | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('a host that dribbles its answer a byte at a time (never idle for the timeout) is cut off at the deadline with a TimeoutError', async () => {
    // 400 bytes at one per 10 ms: 4 s to send, never 10 ms idle; the deadline is 300 ms
    host = await dribblingHost({ plan: 400, everyMs: 10 });
    await expect(getText(`${host.url}/prod/keys/pub-key-a.pem`, 300)).rejects.toMatchObject({ name: 'TimeoutError' });
    await waitFor(() => host!.served[0]?.cutOff);
    expect(host.served).toEqual([{ sent: expect.any(Number), cutOff: true }]);
    expect(host.served[0].sent).toBeLessThan(400);
  });

  it('a body without end is refused at the size bound and its connection closed', async () => {
    host = await dribblingHost({ plan: Infinity, chunk: 4096, everyMs: 1 });
    await expect(getText(`${host.url}/x`, 5000, { maxBytes: 64 * 1024 })).rejects.toMatchObject({ name: 'TooLarge' });
    await waitFor(() => host!.served[0]?.cutOff);
    expect(host.served[0].sent).toBeLessThan(1024 * 1024);
  });

  it('an answer whose Content-Length is over the bound is refused before its body is read', async () => {
    host = await dribblingHost({ plan: 1024 * 1024, chunk: 1024, everyMs: 5 });
    await expect(getText(`${host.url}/x`, 5000, { maxBytes: 64 * 1024 })).rejects.toMatchObject({ name: 'TooLarge' });
    await waitFor(() => host!.served[0]?.cutOff);
    expect(host.served[0].sent).toBeLessThan(8 * 1024);
  });

  it('an answer within both bounds is read whole (chunked or with a length)', async () => {
    host = await dribblingHost({ plan: 300, chunk: 100, everyMs: 1, chunked: true });
    expect(await getText(`${host.url}/x`, 5000)).toEqual({ status: 200, text: 'A'.repeat(300) });
    await host.close();
    host = await dribblingHost({ plan: 300, chunk: 100, everyMs: 1 });
    expect(await getText(`${host.url}/x`, 5000)).toEqual({ status: 200, text: 'A'.repeat(300) });
  });
});

describe('the signing-key fetch (EVENTS_KEY_FETCH_TIMEOUT_MS) is a deadline, not an idle timeout', () => {
  it('a key host dribbling a 64 KiB answer: the lookup is unavailable (TimeoutError) and the host sees the client hang up', async () => {
    // 64 KiB in 256-byte pieces every 10 ms: 2.5 s to send, never idle for 10 ms; the deadline is 300 ms
    const host = await dribblingHost({ plan: 64 * 1024, chunk: 256, everyMs: 10 });
    try {
      const keys = createKeyProvider({ baseUrl: host.url, timeoutMs: 300, ttlSeconds: 60 });
      expect(await keys.lookup('/prod/keys/pub-key-dribble.pem')).toEqual({ ok: false, reason: 'unavailable', detail: 'TimeoutError' });
      await waitFor(() => host.served[0]?.cutOff);
      expect(host.served[0].sent).toBeLessThan(64 * 1024);
    } finally {
      await host.close();
    }
  });
});
