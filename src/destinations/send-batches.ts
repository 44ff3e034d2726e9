/**
 * One route's events to one destination within a deadline: split into the
 * destination's batches, each sent in order, a batch answered `retry` tried
 * again after a backoff (or the `Retry-After` it was given) while the
 * deadline leaves room for one more attempt. A batch answered `reject` is set
 * aside (no retry can fix it); once a batch's retries run out of time, it and
 * every batch after it are left for later (parked by the caller), with the
 * last reason.
 */
import type { Envelope } from '../envelope/envelope';
import type { Destination, DestinationBatch } from './destination';
import { splitBatches } from './batches';

export interface RejectedBatch {
  batch: DestinationBatch;
  reason: string;
  status?: number;
  excerpt?: string;
}

export interface SendReport {
  delivered: Envelope[];
  rejected: RejectedBatch[];
  /** events not delivered yet, and why (the last retryable answer) */
  left: Envelope[];
  lastError?: string;
  batches: number;
  attempts: number;
}

export interface SendOptions {
  /** epoch ms by which the last attempt must have ended */
  deadline: number;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** first backoff (doubled after each retry, at most 5 s) */
  backoffMs?: number;
}

const MAX_BACKOFF_MS = 5000;
/** an attempt started with less than this left is not worth it */
const MIN_ATTEMPT_MS = 250;
const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function sendBatches(dest: Destination, route: string, events: Envelope[], o: SendOptions): Promise<SendReport> {
  const sleep = o.sleep ?? defaultSleep;
  const batches = splitBatches(route, events, { maxEvents: dest.maxBatchEvents, maxBytes: dest.maxBatchBytes });
  const report: SendReport = { delivered: [], rejected: [], left: [], batches: batches.length, attempts: 0 };
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i];
    let backoff = o.backoffMs ?? 250;
    for (;;) {
      report.attempts++;
      const a = await dest.send(batch, { deadline: o.deadline, now: o.now });
      if (a.outcome === 'delivered') {
        report.delivered.push(...batch.events);
        break;
      }
      if (a.outcome === 'reject') {
        report.rejected.push({ batch, reason: a.reason, ...(a.status !== undefined ? { status: a.status } : {}), ...(a.excerpt !== undefined ? { excerpt: a.excerpt } : {}) });
        break;
      }
      report.lastError = a.reason;
      const wait = Math.max(a.retryAfterMs ?? 0, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      if (o.now() + wait + MIN_ATTEMPT_MS > o.deadline) {
        // out of time: this batch and the rest wait for a replay
        report.left = batches.slice(i).flatMap((b) => b.events);
        return report;
      }
      await sleep(wait);
    }
  }
  return report;
}
