/**
 * The shared tail of every receiver: quarantine what could not be normalized,
 * deliver the rest, and decide the answer. 2xx only when every event was
 * handed off, skipped as a duplicate, or stored (parked / quarantined);
 * otherwise 503 so the sender retries.
 */
import type { Received } from '../io-events/receive';
import { deliver, type DeliveryReport } from '../delivery/deliver';
import { accepted, retryLater, type Outcome } from '../outcome';
import type { Json } from '../envelope/fields';
import type { RelayContext } from './context';

export interface QuarantinedPayload {
  deliveryId: string;
  messageId?: string;
  element: Json;
}

export interface HandOffResult {
  outcome: Outcome;
  report?: DeliveryReport;
  quarantined: number;
}

async function quarantine(received: Received, ctx: RelayContext): Promise<number | undefined> {
  if (received.unusable.length === 0) return 0;
  try {
    const { deadLetter } = await ctx.stores();
    await Promise.all(
      received.unusable.map((u) =>
        deadLetter.add({
          stream: received.meta.stream,
          reason: u.reason,
          attempts: 0,
          payload: { deliveryId: received.meta.deliveryId, ...(received.meta.messageId ? { messageId: received.meta.messageId } : {}), element: u.element },
        }),
      ),
    );
    ctx.log.warn('activities quarantined', { deliveryId: received.meta.deliveryId, count: received.unusable.length, reasons: [...new Set(received.unusable.map((u) => u.reason))] });
    return received.unusable.length;
  } catch (err) {
    ctx.log.error('dead-letter store unavailable', { deliveryId: received.meta.deliveryId, err: (err as Error).name });
    return undefined;
  }
}

export async function handOff(received: Received, ctx: RelayContext): Promise<HandOffResult> {
  const quarantined = await quarantine(received, ctx);
  if (quarantined === undefined) {
    return { outcome: retryLater('dead_letter_unavailable', 'unusable activities could not be stored; retry later', 60), quarantined: 0 };
  }
  const { dedupe, parking } = await ctx.stores().catch(() => ({ dedupe: undefined, parking: undefined }));
  const report = await deliver(received.envelopes, received.meta, {
    routes: ctx.routes,
    invoker: ctx.invoker,
    dedupe,
    parking,
    log: ctx.log,
    forward: {
      concurrency: ctx.config.delivery.concurrency,
      timeoutMs: ctx.config.delivery.forwardTimeoutMs,
      retryDelayMs: ctx.config.delivery.retryDelayMs,
      maxParamBytes: ctx.config.delivery.maxParamBytes,
      deadline: ctx.deadline,
    },
  }, received.payloads);
  if (report.parkFailed > 0) {
    return { outcome: retryLater('handoff_failed', `${report.parkFailed} event(s) could not be handed off or parked; retry later`, 60), report, quarantined };
  }
  const summary = {
    accepted: received.envelopes.length,
    forwarded: report.forwarded,
    duplicates: report.duplicates,
    parked: report.parked,
    quarantined,
    unrouted: report.unrouted,
    ...(received.meta.messageId ? { messageId: received.meta.messageId } : {}),
  };
  return { outcome: accepted(summary), report, quarantined };
}
