/**
 * The shared tail of every receiver: deliver, quarantine what can never be
 * handed off (not normalizable, poisoned, unrouted), and decide the answer.
 * 2xx only when every event was handed off, skipped as a committed duplicate,
 * parked or quarantined; otherwise 503 so the sender retries (I/O Events
 * retries 429 and 5xx; Marketo retries any failure, 3 min apart: 503 is the
 * one answer both treat as "retry later").
 *
 * Retry-later when:
 *  - an event's claim is held by another delivery (`claim_pending`): it may
 *    still be handed off, so calling it a duplicate could lose it; the claim
 *    is taken over after its bound (DEDUPE_PENDING_SECONDS, see dedupe.ts);
 *  - the dedupe store could not be written (`dedupe_unavailable`), unless
 *    DEDUPE_UNAVAILABLE=forward;
 *  - a failed hand-off could not be parked, or quarantine could not be stored
 *    (whole: a record over the store's value limit goes to overflow storage,
 *    and one that neither takes is refused, never cut down).
 */
import type { Received } from '../io-events/receive';
import { deliver, emptyReport, type DeliveryReport } from '../delivery/deliver';
import { eventsOverCap } from '../delivery/bounds';
import { storableEvent } from '../delivery/poison';
import { setAsideStale } from '../delivery/stale';
import type { ElementPayload } from '../delivery/dead-letters';
import { accepted, retryLater, type Outcome } from '../outcome';
import type { Json } from '../envelope/fields';
import type { Envelope } from '../envelope/envelope';
import type { RelayContext, Stores } from './context';
import type { CatalogUse } from './catalog';

/** A quarantined element: what could not be normalized (as received), or the envelope (or, too deep to store, its top-level fields). */
export type QuarantinedPayload = ElementPayload;

export interface HandOffResult {
  outcome: Outcome;
  report?: DeliveryReport;
  quarantined: number;
  /** lead activities: which activity catalog applied, or "unavailable" (for the log line) */
  catalog?: CatalogUse;
}

/**
 * The instances' activity catalogs applied to the lead activities (src/relay/catalog.ts).
 * Its code is imported only when MARKETO_* names an instance, so a receiver without
 * REST credentials never loads it; it never fails a delivery.
 */
let catalogModule: Promise<typeof import('./catalog')> | undefined;

async function withCatalog(received: Received, ctx: RelayContext): Promise<CatalogUse | undefined> {
  if (!ctx.config.marketo.instances.length) return received.envelopes.some((e) => e.stream === 'lead-activity') ? { catalog: 'unavailable' } : undefined;
  try {
    catalogModule ??= import('./catalog');
    return await (await catalogModule).applyCatalog(received, ctx);
  } catch (err) {
    ctx.log.warn('activity catalog not applied', { deliveryId: received.meta.deliveryId, err: (err as Error).name });
    return { catalog: 'unavailable', catalogError: 'internal_error' };
  }
}

interface Quarantine {
  element: Json;
  reason: string;
}

async function quarantine(items: Quarantine[], received: Received, stores: Stores | undefined, ctx: RelayContext): Promise<boolean> {
  if (items.length === 0) return true;
  const meta = received.meta;
  try {
    if (!stores) throw Object.assign(new Error('stores unavailable'), { name: 'StoreUnavailable' });
    const { deadLetter } = stores;
    await Promise.all(
      items.map(async (u) => {
        const payload: QuarantinedPayload = { deliveryId: meta.deliveryId, ...(meta.messageId ? { messageId: meta.messageId } : {}), element: u.element };
        // kept whole: an element over the store's value limit goes to overflow storage (src/stores/records.ts)
        await deadLetter.add({ stream: meta.stream, reason: u.reason, attempts: 0, payload });
      }),
    );
    ctx.log.warn('events quarantined', { deliveryId: meta.deliveryId, count: items.length, reasons: [...new Set(items.map((u) => u.reason.split(':')[0]))] });
    return true;
  } catch (err) {
    ctx.log.error('dead-letter store unavailable', { deliveryId: meta.deliveryId, err: (err as Error).name });
    return false;
  }
}

/** Stale events kept for an operator's replay (src/delivery/stale.ts); undefined when they could not be stored. */
async function keepStale(received: Received, stores: Stores | undefined, ctx: RelayContext): Promise<{ kept: number; unrouted: Envelope[] } | undefined> {
  if (!received.stale?.length) return { kept: 0, unrouted: [] };
  try {
    if (!stores) throw Object.assign(new Error('stores unavailable'), { name: 'StoreUnavailable' });
    const kept = await setAsideStale(received.stale, received.meta, ctx.routes, stores.stale);
    ctx.log.warn('stale events kept for a replay on purpose', { deliveryId: received.meta.deliveryId, count: kept.kept });
    return kept;
  } catch (err) {
    ctx.log.error('stale store unavailable', { deliveryId: received.meta.deliveryId, err: (err as Error).name });
    return undefined;
  }
}

export async function handOff(received: Received, ctx: RelayContext): Promise<HandOffResult> {
  if (received.meta.transport === 'io-events') {
    const over = eventsOverCap(received.envelopes.length + received.unusable.length + (received.stale?.length ?? 0), ctx.config.delivery.maxEventsPerDelivery);
    if (over) return { outcome: over, quarantined: 0 };
  }
  const catalog = await withCatalog(received, ctx);
  const mode = ctx.config.stores.dedupeUnavailable;
  let stores: Stores | undefined;
  let storeError: Error | undefined;
  try {
    stores = await ctx.stores();
  } catch (err) {
    storeError = err as Error;
    ctx.log.error('stores unavailable', { deliveryId: received.meta.deliveryId, err: storeError.name, mode });
  }
  let report: DeliveryReport;
  if (!stores && mode !== 'forward' && received.envelopes.length > 0) {
    report = { ...emptyReport(), claimFailed: received.envelopes.length };
  } else {
    report = await deliver(
      received.envelopes,
      received.meta,
      {
        routes: ctx.routes,
        invoker: ctx.invoker,
        dedupe: stores?.dedupe,
        parking: stores?.parking,
        log: ctx.log,
        dedupeUnavailable: mode,
        forward: {
          concurrency: ctx.config.delivery.concurrency,
          timeoutMs: ctx.config.delivery.forwardTimeoutMs,
          retryDelayMs: ctx.config.delivery.retryDelayMs,
          maxParamBytes: ctx.config.delivery.maxParamBytes,
          deadline: ctx.deadline,
          // the deadline is on the context's clock: so are the checks against it
          now: ctx.now,
        },
      },
      received.payloads,
    );
    if (!stores) {
      // forwarded without any idempotency (DEDUPE_UNAVAILABLE=forward)
      report.dedupeUnavailable += Object.values(report.forwarded).reduce((a, b) => a + b, 0);
    }
  }
  if (report.dedupeUnavailable > 0) {
    ctx.log.warn('events forwarded without idempotency (dedupeUnavailable)', { deliveryId: received.meta.deliveryId, dedupeUnavailable: report.dedupeUnavailable });
  }
  const stale = await keepStale(received, stores, ctx);
  const items: Quarantine[] = [
    ...received.unusable.map((u) => ({ element: u.element, reason: u.reason })),
    ...report.poisoned.map((p) => ({ element: storableEvent(p) as unknown as Json, reason: p.reason })),
    ...[...report.unroutedEvents, ...(stale?.unrouted ?? [])].map((e) => ({ element: e as unknown as Json, reason: 'unrouted: no route matched and no default route is set' })),
  ];
  const quarantined = stale !== undefined && (await quarantine(items, received, stores, ctx)) ? items.length + stale.kept : undefined;
  const result = (outcome: Outcome): HandOffResult => ({ outcome, report, quarantined: quarantined ?? 0, ...(catalog ? { catalog } : {}) });
  if (quarantined === undefined) return result(retryLater('dead_letter_unavailable', 'events that cannot be delivered could not be stored; retry later', 60));
  if (report.parkFailed > 0) return result(retryLater('handoff_failed', `${report.parkFailed} event(s) could not be handed off or parked; retry later`, 60));
  if (report.claimFailed > 0) return result(retryLater('dedupe_unavailable', `the idempotency store is unavailable; ${report.claimFailed} event(s) not forwarded; retry later`, 30));
  if (report.pending > 0) {
    const after = stores?.dedupe.pendingTtlSeconds ?? 15;
    return result(retryLater('claim_pending', `${report.pending} event(s) are being handed off by another delivery; retry later`, after));
  }
  const summary = {
    accepted: received.envelopes.length,
    forwarded: report.forwarded,
    duplicates: report.duplicates,
    parked: report.parked,
    quarantined: quarantined,
    unrouted: report.unrouted,
    ...(report.dedupeUnavailable ? { dedupeUnavailable: report.dedupeUnavailable } : {}),
    ...(received.meta.messageId ? { messageId: received.meta.messageId } : {}),
  };
  return result(accepted(summary));
}
