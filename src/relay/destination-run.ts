/**
 * The destination action's composition: a destination route's `{ route, events }`
 * (handed off by a receiver, catch-up or replay like to any action) delivered
 * to the destination its route names, with nothing lost if the activation dies:
 *
 *  1. the events are first written to the parking store as a record of the
 *     route (`destination`, reason "in flight: …", `inFlightUntil` = this
 *     activation's deadline + a margin): replay leaves it alone while this
 *     activation may still run, and re-drives it after (a SIGKILL loses nothing);
 *  2. they are sent in the destination's batches, retried within this
 *     activation's budget (src/destinations/send-batches.ts);
 *  3. the record is settled: removed when all were delivered; rewritten with
 *     the undelivered events, the last error and one more attempt when some are
 *     left (an ordinary parked record from then on: replay re-invokes this action
 *     with them and their `attempts`, and dead-letters them after
 *     REPLAY_MAX_ATTEMPTS); the
 *     batches the destination rejected go to the dead-letter store with its
 *     answer (status, ≤ 512 characters), kept out of the parked record.
 *
 * One log line per activation; the status counters per destination. Bad params
 * are refused with `{ error }` and one log line; a route that names no known
 * destination dead-letters its events (the operator fixes ROUTES or
 * DESTINATIONS and replays them).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { ParkedPayload } from '../delivery/deliver';
import { DESTINATION_ACTION } from '../delivery/routes';
import type { Envelope } from '../envelope/envelope';
import { isObject } from '../envelope/fields';
import type { Destination } from '../destinations/destination';
import { parseDestinations, type DestinationTable } from '../destinations/registry';
import { sendBatches, type SendReport } from '../destinations/send-batches';
import type { StoredRecord } from '../stores/records';
import { contextError, relayContext, reportConfigErrorsOnce, workDeadline, type RelayContext, type Stores } from './context';

export type DestinationRunResult =
  | { route: string; destination: string; events: number; delivered: number; parked: number; deadLettered: number; batches: number; attempts: number }
  | { error: { code: string; message: string } };

/** How long the action works (its timeout is 60 s; `__OW_DEADLINE` cuts it further, DEADLINE_RESERVE_MS before). */
export const DESTINATION_BUDGET_MS = 50_000;
/** The action's timeout (app.config.yaml), for an activation that does not say its deadline. */
const ACTION_TIMEOUT_MS = 60_000;
/** After its deadline, an activation that has not settled its record is dead: replay may take it over this much later. */
export const IN_FLIGHT_MARGIN_MS = 5_000;

const MAX_ROUTE = 64;

type Read<T> = { ok: true; value: T } | { error: { code: string; message: string } };

const isEnvelope = (v: unknown): v is Envelope => isObject(v) && typeof v.id === 'string' && typeof v.stream === 'string' && isObject(v.data);

export function destinationParams(params: Record<string, unknown>): Read<{ route: string; events: Envelope[]; attempts: number }> {
  const { route, events } = params;
  // replay says how many attempts its record had (src/delivery/replay.ts); a first delivery, none
  const attempts = params.attempts === undefined ? 0 : params.attempts;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0 || attempts > 1_000_000) return { error: { code: 'attempts_invalid', message: 'attempts must be a non-negative integer' } };
  if (typeof route !== 'string' || route === '' || route.length > MAX_ROUTE) return { error: { code: 'route_invalid', message: 'route must be the name of a route (text, at most 64 characters)' } };
  if (!Array.isArray(events) || events.length === 0) return { error: { code: 'events_invalid', message: 'events must be a non-empty list of event envelopes' } };
  if (!events.every(isEnvelope)) return { error: { code: 'events_invalid', message: 'every event must be an envelope (id, stream, data)' } };
  return { ok: true, value: { route, events, attempts } };
}

interface Destinations {
  table: { ok: true; value: DestinationTable } | { ok: false; errors: string[] };
  /** one Destination per name and container: its connections are kept between activations */
  open: Map<string, Destination>;
}
const byConfig = new WeakMap<Config, Map<boolean, Destinations>>();

/** DESTINATIONS parsed once per container, configuration and runtime (local or deployed). */
function destinationsOf(config: Config, local: boolean): Destinations {
  let m = byConfig.get(config);
  if (!m) byConfig.set(config, (m = new Map()));
  let d = m.get(local);
  if (!d) {
    const table = config.destinations === undefined ? { ok: false as const, errors: ['DESTINATIONS is not set: the destination action has nothing to deliver to'] } : parseDestinations(config.destinations, { local });
    m.set(local, (d = { table, open: new Map() }));
  }
  return d;
}

const streamOf = (events: Envelope[]): string | undefined => (events.every((e) => e.stream === events[0].stream) ? events[0].stream : undefined);

interface Settled {
  delivered: number;
  parked: number;
  deadLettered: number;
  lastError?: string;
}

/** Dead-letters what the destination rejected; what cannot be stored there stays parked (returned). */
async function deadLetter(ctx: RelayContext, stores: Stores, route: string, base: ParkedPayload, report: SendReport, name: string): Promise<{ stored: number; kept: Envelope[]; reason?: string }> {
  let stored = 0;
  const kept: Envelope[] = [];
  let reason: string | undefined;
  for (const r of report.rejected) {
    reason = `rejected by ${name}: ${r.reason}`;
    const answer = { ...(r.status !== undefined ? { status: r.status } : {}), ...(r.excerpt !== undefined ? { excerpt: r.excerpt } : {}) };
    try {
      await stores.deadLetter.add({ route, stream: streamOf(r.batch.events), reason, attempts: 1, payload: { ...base, events: r.batch.events, answer } });
      stored += r.batch.events.length;
    } catch (err) {
      ctx.log.error('destination: dead-letter store unavailable; the rejected events stay parked', { route, destination: name, err: (err as Error).name });
      kept.push(...r.batch.events);
    }
  }
  return { stored, kept, reason };
}

async function settle(ctx: RelayContext, stores: Stores, rec: StoredRecord<ParkedPayload> | undefined, route: string, base: ParkedPayload, report: SendReport, name: string, attempts: number): Promise<Settled> {
  const dead = await deadLetter(ctx, stores, route, base, report, name);
  const left = [...report.left, ...dead.kept];
  const lastError = report.lastError ?? dead.reason;
  try {
    if (left.length === 0) {
      if (rec) await stores.parking.remove(rec);
    } else {
      const reason = report.lastError ?? dead.reason ?? 'not delivered';
      const payload: ParkedPayload = { ...base, events: left };
      if (rec) await stores.parking.update({ ...rec, attempts: attempts + 1, reason, payload });
      else await stores.parking.add({ route, stream: streamOf(left), reason, attempts: attempts + 1, payload });
    }
  } catch (err) {
    // the in-flight record (when there is one) stays: replay re-drives every event of it after its window
    ctx.log.error('destination: parking store unavailable while settling; the in-flight record is replayed later', { route, destination: name, err: (err as Error).name });
  }
  return { delivered: report.delivered.length, parked: left.length, deadLettered: dead.stored, ...(lastError !== undefined ? { lastError } : {}) };
}

/** What failed while no store could be opened: nowhere to park it, so its ids are logged for an operator (catch-up from the journal). */
function unsettled(ctx: RelayContext, route: string, report: SendReport, name: string): Settled {
  const left = [...report.left, ...report.rejected.flatMap((r) => r.batch.events)];
  if (left.length) ctx.log.error('destination: not delivered and the store is unavailable: these events are not kept', { route, destination: name, eventIds: left.map((e) => e.id) });
  return { delivered: report.delivered.length, parked: 0, deadLettered: 0, ...(left.length ? { lastError: report.lastError ?? 'store unavailable' } : {}) };
}

export async function runDestination(params: Record<string, unknown>): Promise<DestinationRunResult> {
  const c = relayContext(params, 'destination', { invokes: false });
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    return { error: contextError(c) };
  }
  const { ctx } = c;
  const destinations = destinationsOf(ctx.config, ctx.activation.where !== 'runtime');
  if (!destinations.table.ok) {
    reportConfigErrorsOnce(destinations.table.errors, ctx.log);
    return { error: { code: 'config_invalid', message: 'DESTINATIONS is invalid; the action log says why' } };
  }
  const read = destinationParams(params);
  if ('error' in read) {
    ctx.log.warn('destination: params refused', { error: read.error.code });
    return read;
  }
  const { route, events, attempts } = read.value;
  const name = ctx.routes.routes.find((r) => r.name === route)?.destination;
  const entry = name === undefined ? undefined : destinations.table.value.get(name);
  // a store that cannot be opened does not stop the delivery (the events were handed off to this activation
  // and exist nowhere else): only what then fails needs the store, which is asked for again when settling
  const openStores = (): Promise<Stores | undefined> =>
    ctx.stores().catch((err: Error) => {
      ctx.log.error('destination: the store could not be opened', { route, events: events.length, err: err.name });
      return undefined;
    });
  let stores = await openStores();
  const base: ParkedPayload = { action: DESTINATION_ACTION, deliveryId: ctx.activation.activationId ?? randomUUID(), events, destination: name ?? '' };
  const stream = streamOf(events);
  if (!entry) {
    const reason = `destination_unknown: route "${route}" names ${name === undefined ? 'no destination in this action\'s ROUTES' : `destination "${name}", which DESTINATIONS does not define`}`;
    try {
      if (!stores) throw Object.assign(new Error('the store could not be opened'), { name: 'StoreUnavailable' });
      await stores.deadLetter.add({ route, stream, reason, attempts: 0, payload: base });
    } catch (err) {
      const parked = stores ? await stores.parking.add({ route, stream, reason, attempts: 0, payload: base }).then(() => true, () => false) : false;
      ctx.log.error('destination: dead-letter store unavailable', { route, err: (err as Error).name, ...(parked ? {} : { eventIds: events.map((e) => e.id) }) });
    }
    ctx.log.warn('destination delivery', { route, events: events.length, delivered: 0, deadLettered: events.length, reason: 'destination_unknown' });
    return { error: { code: 'destination_unknown', message: reason } };
  }
  const deadline = workDeadline(ctx, DESTINATION_BUDGET_MS);
  const inFlightUntil = new Date((ctx.activation.deadline ?? ctx.startedAt + ACTION_TIMEOUT_MS) + IN_FLIGHT_MARGIN_MS).toISOString();
  let rec: StoredRecord<ParkedPayload> | undefined;
  try {
    if (stores) rec = await stores.parking.add({ route, stream, reason: `in flight: delivering to ${entry.name}`, attempts, payload: { ...base, inFlightUntil } });
  } catch (err) {
    // delivered all the same: what fails is parked at the end if the store is back
    ctx.log.error('destination: parking store unavailable before delivering', { route, destination: entry.name, err: (err as Error).name });
  }
  let dest = destinations.open.get(entry.name);
  if (!dest) destinations.open.set(entry.name, (dest = entry.create()));
  const report = await sendBatches(dest, route, events, { deadline, now: ctx.now });
  stores ??= await openStores();
  const s = stores ? await settle(ctx, stores, rec, route, base, report, entry.name, attempts) : unsettled(ctx, route, report, entry.name);
  const fields = { route, destination: entry.name, kind: entry.kind, events: events.length, batches: report.batches, attempts: report.attempts, delivered: s.delivered, parked: s.parked, deadLettered: s.deadLettered, ...(s.lastError ? { lastError: s.lastError } : {}), durationMs: ctx.now() - ctx.startedAt };
  if (s.parked || s.deadLettered) ctx.log.warn('destination delivery', fields);
  else ctx.log.info('destination delivery', fields);
  ctx.stats.recordDestination({ destination: entry.name, at: ctx.now(), delivered: s.delivered, parked: s.parked, failed: s.deadLettered, ...(s.lastError ? { lastError: s.lastError } : {}) });
  await ctx.stats.maybeFlush();
  return { route, destination: entry.name, events: events.length, delivered: s.delivered, parked: s.parked, deadLettered: s.deadLettered, batches: report.batches, attempts: report.attempts };
}
