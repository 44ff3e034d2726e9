/**
 * The outbound GET (signing keys, Marketo REST) is bounded as a whole: a host
 * that dribbles its answer one byte at a time — never idle long enough for a
 * socket timeout — is cut off at the call's deadline, and a body without end at
 * the size bound. The hosts are real HTTP servers on loopback; each records
 * whether the client hung up before the host had sent all it meant to send.
 */
import http from 'node:http';
import { freePort } from '../../dev/net';
import { getText } from '../../src/http/get-text';
import { createKeyProvider } from '../../src/io-events/public-keys';

interface Host {
  url: string;
  /** per request: bytes of the body sent, and whether the client closed the connection before the host was done */
  served: { sent: number; cutOff: boolean }[];
  close(): Promise<void>;
}

/**
 * A host whose answer is `plan` bytes (announced by Content-Length unless `chunked`), written one
 * `chunk` at a time every `everyMs`; `plan` Infinity: a body that never ends.
 */
async function dribblingHost(o: { plan: number; chunk?: number; everyMs: number; chunked?: boolean }): Promise<Host> {
  const served: Host['served'] = [];
  const server = http.createServer((_req, res) => {
    const record = { sent: 0, cutOff: false };
    served.push(record);
    res.writeHead(200, { 'content-type': 'application/x-pem-file', ...(o.chunked || !Number.isFinite(o.plan) ? {} : { 'content-length': String(o.plan) }) });
    const timer = setInterval(() => {
      const n = Math.min(o.chunk ?? 1, o.plan - record.sent);
      if (n <= 0) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write('A'.repeat(n));
      record.sent += n;
    }, o.everyMs);
    res.on('close', () => {
      clearInterval(timer);
      if (record.sent < o.plan) record.cutOff = true;
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () => new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

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

/** Resolves once `cond` holds (the server's side of a close arrives a moment after the client's). */
async function waitFor(cond: () => boolean | undefined): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}
