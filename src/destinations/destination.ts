/**
 * Destinations: the last hop the app delivers to itself, configured by name in
 * DESTINATIONS (issue 25) — an HTTPS endpoint signed as Standard Webhooks, a
 * Slack or Teams channel, a PostgreSQL table. A route names a destination
 * instead of an action; the receivers hand its events to the app's own
 * `destination` action exactly as to any downstream action (`{ route, events }`),
 * and only that action holds the destinations' URLs and secrets.
 *
 * Each kind is a module of its own implementing `Destination`; what they share
 * is here. A kind never parks, retries across activations or logs secrets: it
 * answers one attempt, and the destination action (src/relay) turns answers into
 * delivered / parked / dead-lettered with the relay's own parking store.
 */
import type { Envelope } from '../envelope/envelope';

export const DESTINATION_KINDS = ['webhook', 'slack', 'teams', 'postgres'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/** One batch for one destination: what a downstream action would receive as params, plus a stable id. */
export interface DestinationBatch {
  /** the route that sent these events */
  route: string;
  events: Envelope[];
  /**
   * Stable for the same (route, events) across retries and replays — a digest of
   * the route and the events' identities in order — so a receiver can deduplicate
   * (Standard Webhooks `webhook-id`).
   */
  batchId: string;
}

/** How one attempt ended. */
export type Attempt =
  /** the destination took every event of the batch */
  | { outcome: 'delivered'; status?: number; detail?: string }
  /** no answer, 408/429/5xx, a connection refused, a timeout: another attempt may succeed (parked when the budget is spent) */
  | { outcome: 'retry'; reason: string; status?: number; retryAfterMs?: number }
  /** the destination refused what it was sent (another 4xx, a constraint): no retry can fix it (dead-lettered) */
  | { outcome: 'reject'; reason: string; status?: number; excerpt?: string };

export interface AttemptOptions {
  /** epoch ms by which the attempt must have ended, answer read */
  deadline: number;
  now: () => number;
}

export interface Destination {
  readonly kind: DestinationKind;
  /** the destination's name in DESTINATIONS */
  readonly name: string;
  /** the most events, and bytes of JSON body, one attempt takes; the caller splits a route's events into batches no larger */
  readonly maxBatchEvents: number;
  readonly maxBatchBytes: number;
  send(batch: DestinationBatch, o: AttemptOptions): Promise<Attempt>;
  /** releases pooled connections (tests; a container never needs it) */
  close?(): Promise<void>;
}

/** A bounded excerpt of an answer body for a dead letter or a log line: never more than `max` characters. */
export const excerptOf = (text: string, max = 512): string => (text.length <= max ? text : `${text.slice(0, max)}…`);
