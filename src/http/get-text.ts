/**
 * A bounded GET of a small text resource with node:http(s). Used for the
 * signing keys on the cold path: Node's global fetch (undici) costs ≈ 50 ms to
 * initialise on first use in a fresh container, node:http nothing (measured by
 * `npm run bench`, P3). Also the Marketo REST calls of the activity catalog
 * (src/marketo-rest), with their own headers and a larger answer bound.
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

export type GetText = (url: string, timeoutMs: number, options?: GetOptions) => Promise<TextAnswer>;

export const getText: GetText = (url, timeoutMs, options = {}) =>
  new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const maxBytes = options.maxBytes ?? 64 * 1024;
    const req = client.get(url, { timeout: timeoutMs, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) req.destroy(Object.assign(new Error('response too large'), { name: 'TooLarge' }));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
    req.on('error', reject);
  });
