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
 *
 * `exchangeText` is the same exchange with any method and a body: the chat
 * destinations' POST (src/destinations/post-json.ts), where an answer over the
 * bound is cut (`overflow: 'truncate'`) rather than refused, its status being
 * what counts. node:http never follows a redirect.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export interface TextAnswer {
  status: number;
  text: string;
  /** the answer's headers (node:http's form: lower-case names) — `exchangeText` only */
  headers?: Record<string, string | string[] | undefined>;
  /** with `overflow: 'truncate'`: the body was cut at `maxBytes` (its first bytes are `text`) */
  truncated?: boolean;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** the largest answer read (default 64 KiB: a signing key) */
  maxBytes?: number;
}

export interface ExchangeOptions extends GetOptions {
  method?: string;
  /** sent whole, with its Content-Length */
  body?: string | Buffer;
  /**
   * An answer over `maxBytes`: 'error' (default) rejects with `TooLarge`; 'truncate' keeps
   * its status, headers and first `maxBytes` bytes and closes the connection — for a POST whose
   * outcome is its status (a destination's answer), not its body.
   */
  overflow?: 'error' | 'truncate';
  /** resolves the host instead of dns.lookup (src/destinations/endpoint-url.ts guardedLookup: the address connected to is checked) */
  lookup?: LookupFunction;
}

/** GET `url`; settles within `timeoutMs` (a `TimeoutError` then), body included. */
export type GetText = (url: string, timeoutMs: number, options?: GetOptions) => Promise<TextAnswer>;

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** Any method (a body sent whole), under the same two bounds as `getText`; redirects are never followed. */
export const exchangeText = (url: string, timeoutMs: number, options: ExchangeOptions = {}): Promise<TextAnswer> =>
  new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const maxBytes = options.maxBytes ?? 64 * 1024;
    const truncate = options.overflow === 'truncate';
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
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
    const headers = { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const req = client.request(url, { method: options.method ?? 'GET', headers, ...(options.lookup ? { lookup: options.lookup } : {}) }, (res) => {
      const answer = (chunks: Buffer[], truncated: boolean): TextAnswer => ({
        status: res.statusCode ?? 0,
        text: Buffer.concat(chunks).toString('utf8'),
        headers: res.headers,
        ...(truncated ? { truncated } : {}),
      });
      const cut = (chunks: Buffer[]): void => {
        settle(() => resolve(answer(chunks, true)));
        req.destroy();
      };
      if (Number(res.headers['content-length']) > maxBytes) return truncate ? cut([]) : fail(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
        else if (truncate) cut([...chunks, c.subarray(0, c.length - (size - maxBytes))]);
        else fail(tooLarge());
      });
      res.on('end', () => settle(() => resolve(answer(chunks, false))));
      res.on('error', (err) => settle(() => reject(err)));
    });
    req.on('error', (err) => settle(() => reject(err)));
    deadline.addEventListener('abort', onDeadline, { once: true });
    req.end(body);
  });

export const getText: GetText = async (url, timeoutMs, options = {}) => {
  const { status, text } = await exchangeText(url, timeoutMs, options);
  return { status, text };
};
