/**
 * A bounded GET of a small text resource with node:http(s). Used for the
 * signing keys on the cold path: Node's global fetch (undici) costs ≈ 50 ms to
 * initialise on first use in a fresh container, node:http nothing (measured by
 * `npm run bench`, P3).
 */
import http from 'node:http';
import https from 'node:https';

export interface TextAnswer {
  status: number;
  text: string;
}

export type GetText = (url: string, timeoutMs: number) => Promise<TextAnswer>;

export const getText: GetText = (url, timeoutMs) =>
  new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) req.destroy(Object.assign(new Error('response too large'), { name: 'TooLarge' }));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
    req.on('error', reject);
  });
