/**
 * A bounded GET of a small text resource with node:http(s). Used for the
 * signing keys on the cold path: Node's global fetch (undici) costs ≈ 50 ms to
 * initialise on first use in a fresh container, node:http nothing (measured by
 * `npm run bench`, P3). Also the Marketo REST calls of the activity catalog
 * (src/marketo-rest), with their own headers and a larger answer bound.
 *
 * Both bounds hold for the whole exchange, whatever the host does:
 *  - time: one deadline (an AbortSignal) from the call to the answer's last
 *    byte, connecting and reading the body included. A socket timeout alone
 *    bounds only idle time: a host that sends one byte now and then would hold
 *    the call open for as long as it likes;
 *  - size: an answer over `maxBytes` (announced by its Content-Length, or
 *    counted as it arrives: a body without end) is refused and its socket closed.
 */
import http from 'node:http';
import https from 'node:https';

export interface TextAnswer {
  status: number;
  text: string;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** the largest answer read (default 64 KiB: a signing key) */
  maxBytes?: number;
}

/** GET `url`; settles within `timeoutMs` (a `TimeoutError` then), body included. */
export type GetText = (url: string, timeoutMs: number, options?: GetOptions) => Promise<TextAnswer>;

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

export const getText: GetText = (url, timeoutMs, options = {}) =>
  new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const maxBytes = options.maxBytes ?? 64 * 1024;
    const deadline = AbortSignal.timeout(timeoutMs);
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      deadline.removeEventListener('abort', onDeadline);
      finish();
    };
    /** rejects with `err` first, so the socket's own errors that follow cannot replace it */
    const fail = (err: Error): void => {
      settle(() => reject(err));
      req.destroy();
    };
    const onDeadline = (): void => fail(named('TimeoutError', `no complete answer within ${timeoutMs} ms`));
    const tooLarge = (): Error => named('TooLarge', `answer larger than ${maxBytes} bytes`);
    const req = client.get(url, { headers: options.headers }, (res) => {
      if (Number(res.headers['content-length']) > maxBytes) return fail(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) fail(tooLarge());
        else chunks.push(c);
      });
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (err) => settle(() => reject(err)));
    });
    req.on('error', (err) => settle(() => reject(err)));
    deadline.addEventListener('abort', onDeadline, { once: true });
  });
