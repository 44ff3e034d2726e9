/**
 * Errors are values: every receiver step returns an Outcome, and one function
 * (src/http/response.ts) maps it to HTTP. No `throw` for expected rejections.
 */

/** Event counts and identifiers reported back to the sender and logged. */
export interface AcceptedSummary {
  /** events taken in (after quarantine) */
  accepted: number;
  /** invocations the platform accepted, per route */
  forwarded?: Record<string, number>;
  /** events skipped because they were already handed off on that route */
  duplicates?: number;
  /** events written to the parking store because their hand-off failed */
  parked?: number;
  /** activities kept in the dead-letter store because they could not be normalized */
  quarantined?: number;
  /** events no route matched (and no default route exists) */
  unrouted?: number;
  /** a free-form extra (e.g. the async validation URL, the push messageId) */
  [extra: string]: unknown;
}

export type Outcome =
  | { kind: 'accepted'; summary: AcceptedSummary }
  | { kind: 'challenge'; challenge: string; format: 'json' | 'text' }
  | {
      kind: 'rejected';
      status: 400 | 401 | 403 | 405 | 413 | 415 | 500;
      code: string;
      message: string;
      headers?: Record<string, string>;
    }
  | { kind: 'retryLater'; status: 429 | 503; code: string; message: string; retryAfterSeconds: number };

export type RejectStatus = Extract<Outcome, { kind: 'rejected' }>['status'];

export const accepted = (summary: AcceptedSummary): Outcome => ({ kind: 'accepted', summary });

export const rejected = (
  status: RejectStatus,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Outcome => ({ kind: 'rejected', status, code, message, ...(headers ? { headers } : {}) });

export const retryLater = (code: string, message: string, retryAfterSeconds = 60, status: 429 | 503 = 503): Outcome => ({
  kind: 'retryLater',
  status,
  code,
  message,
  retryAfterSeconds,
});

/** A step either yields a value or stops the pipeline with an Outcome. */
export type Step<T> = { ok: true; value: T } | { ok: false; outcome: Outcome };

export const ok = <T>(value: T): Step<T> => ({ ok: true, value });
export const stop = <T = never>(outcome: Outcome): Step<T> => ({ ok: false, outcome });
