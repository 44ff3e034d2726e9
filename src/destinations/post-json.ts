/**
 * One POST of a JSON body to a destination, and its answer as an `Attempt`:
 * the HTTP part every HTTP destination kind shares (Slack, Teams; the webhook
 * kind can use it too). Over node:http(s) (src/http/get-text.ts `exchangeText`):
 * no fetch to initialise on a cold start, one deadline for the whole exchange
 * (connecting, sending, the answer's last byte), the answer read up to a bound
 * and cut beyond it, and redirects never followed (OWASP SSRF guidance: a 3xx
 * is an answer, not a new destination).
 *
 * Answers: 2xx delivered; 408, 429, 5xx, no answer (refused, reset, timeout) retry,
 * with `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) read into
 * `retryAfterMs`; any other status — a 3xx not followed, a 4xx — reject with the
 * status and a bounded excerpt of the answer. Nothing here names the URL: for
 * Slack and Teams the URL is the secret.
 */
import type { LookupFunction } from 'node:net';
import { exchangeText, type ExchangeOptions, type TextAnswer } from '../http/get-text';
import { excerptOf, type Attempt, type AttemptOptions } from './destination';

/** The exchange (tests and benches may pass another; by default node:http(s)). */
export type Exchange = (url: string, timeoutMs: number, options: ExchangeOptions) => Promise<TextAnswer>;

export interface PostOptions extends AttemptOptions {
  headers?: Record<string, string>;
  /** the most of an answer read (default 16 KiB: a status line's worth, the rest is cut) */
  maxAnswerBytes?: number;
  exchange?: Exchange;
  /** resolves the host (deployed: endpoint-url.ts guardedLookup, so an internal address is refused when connecting) */
  lookup?: LookupFunction;
}

/** the statuses another attempt may fix (RFC 9110: 408 Request Timeout, 429 Too Many Requests, 5xx) */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || (status >= 500 && status <= 599);

/**
 * `Retry-After` in milliseconds from `now`: delay-seconds (a non-negative integer) or an
 * HTTP-date (a date in the past is 0); undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) || !/[a-z]/i.test(v) ? undefined : Math.max(0, at - now);
}

const EXCERPT = 512;
const errorCode = (err: unknown): string => {
  const e = err as { name?: string; code?: string };
  return e?.name === 'TimeoutError' ? 'timeout' : typeof e?.code === 'string' ? e.code : (e?.name ?? 'error');
};

/** The answer as an Attempt (exported for kinds whose exchange is not this one). */
export function attemptOfAnswer(answer: TextAnswer, now: number): Attempt {
  const { status } = answer;
  const excerpt = excerptOf(answer.text, EXCERPT);
  if (status >= 200 && status <= 299) return { outcome: 'delivered', status, ...(excerpt ? { detail: excerpt } : {}) };
  if (isRetryableStatus(status)) {
    const after = retryAfterMs(answer.headers?.['retry-after'], now);
    return { outcome: 'retry', status, reason: `answered ${status}${excerpt ? `: ${excerptOf(excerpt, 120)}` : ''}`, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  const reason = status >= 300 && status <= 399 ? `answered ${status}: a redirect, not followed` : `answered ${status}`;
  return { outcome: 'reject', status, reason, excerpt };
}

/** POST `body` as JSON to `url`, within `o.deadline`; never throws. */
export async function postJson(url: string, body: unknown, o: PostOptions): Promise<Attempt> {
  const timeoutMs = o.deadline - o.now();
  if (timeoutMs <= 0) return { outcome: 'retry', reason: 'no time left before the deadline' };
  const exchange = o.exchange ?? exchangeText;
  try {
    const answer = await exchange(url, timeoutMs, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json; charset=utf-8', accept: '*/*', ...o.headers },
      maxBytes: o.maxAnswerBytes ?? 16 * 1024,
      overflow: 'truncate',
      ...(o.lookup ? { lookup: o.lookup } : {}),
    });
    return attemptOfAnswer(answer, o.now());
  } catch (err) {
    // a name that resolved to an internal address: no retry reaches it
    if ((err as Error)?.name === 'InternalAddressError') return { outcome: 'reject', reason: `refused: ${(err as Error).message}` };
    return { outcome: 'retry', reason: `no answer: ${errorCode(err)}` };
  }
}
