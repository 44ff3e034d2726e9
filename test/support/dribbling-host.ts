/**
 * A real HTTP host on loopback that sends its answer slowly or without end, and
 * records whether the client hung up before it had sent all it meant to send.
 */
import http from 'node:http';
import { freePort } from '../../dev/net';

export interface Host {
  url: string;
  /** per request: bytes of the body sent, and whether the client closed the connection before the host was done */
  served: { sent: number; cutOff: boolean }[];
  close(): Promise<void>;
}

/**
 * A host whose answer is `plan` bytes (announced by Content-Length unless `chunked`), written one
 * `chunk` at a time every `everyMs`; `plan` Infinity: a body that never ends.
 */
export async function dribblingHost(o: { plan: number; chunk?: number; everyMs: number; chunked?: boolean }): Promise<Host> {
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

/** Resolves once `cond` holds (the server's side of a close arrives a moment after the client's). */
export async function waitFor(cond: () => boolean | undefined): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}
