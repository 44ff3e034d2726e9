/** One function maps every Outcome to the Runtime web-action answer. */
import type { Outcome } from '../outcome';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
const json = (statusCode: number, body: unknown, extra: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { ...BASE_HEADERS, 'Content-Type': 'application/json', ...extra },
  body: JSON.stringify(body),
});

export function toHttpResponse(outcome: Outcome): HttpResponse {
  switch (outcome.kind) {
    case 'accepted':
      return json(200, { status: 'accepted', ...outcome.summary });
    case 'challenge':
      return outcome.format === 'json'
        ? json(200, { challenge: outcome.challenge })
        : { statusCode: 200, headers: { ...BASE_HEADERS, 'Content-Type': 'text/plain' }, body: outcome.challenge };
    case 'rejected':
      return json(outcome.status, { error: outcome.code, message: outcome.message }, outcome.headers);
    case 'retryLater':
      return json(
        outcome.status,
        { error: outcome.code, message: outcome.message },
        { 'Retry-After': String(outcome.retryAfterSeconds) },
      );
  }
}

/** The status an outcome maps to, for logs and counters. */
export const statusOf = (outcome: Outcome): number =>
  outcome.kind === 'accepted' || outcome.kind === 'challenge' ? 200 : outcome.status;
