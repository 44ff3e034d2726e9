/**
 * Journal catch-up: events Adobe kept while deliveries failed (or before the
 * registration existed) go through the same normalize → route → forward path.
 * No signature check (the Journaling API authenticated the read), no recipient
 * check; each entry becomes the element its live delivery carries (entry.ts), so
 * it gets the same id and idempotency makes any overlap with live delivery harmless.
 */
import { toIsoUtc } from '../envelope/time';
import type { Stream } from '../envelope/envelope';
import { normalizeElements } from '../io-events/receive';
import type { RelayContext } from './context';
import { handOff } from './hand-off';
import { pullJournal, type JournalEnd, type PullOptions } from '../journal/journal';

export interface CatchUpReport {
  pages: number;
  events: number;
  skippedBefore: number;
  /** journal entries that held no event object */
  unreadable: number;
  accepted: number;
  duplicates: number;
  parked: number;
  failed: number;
  end: JournalEnd;
}

export async function catchUp(ctx: RelayContext, stream: Stream, o: PullOptions & { fromTime?: string }): Promise<CatchUpReport> {
  const report: CatchUpReport = { pages: 0, events: 0, skippedBefore: 0, unreadable: 0, accepted: 0, duplicates: 0, parked: 0, failed: 0, end: { reason: 'error', message: '' } };
  const pages = pullJournal(o);
  let resumeFrom = o.since;
  for (;;) {
    const next = await pages.next();
    if (next.done) {
      report.end = next.value;
      return report;
    }
    report.pages++;
    report.events += next.value.events.length;
    report.unreadable += next.value.skipped;
    const received = normalizeElements(next.value.events, { stream, transport: 'journal', deliveryId: `journal-${next.value.position ?? report.pages}` }, undefined, ctx.now(), { zonelessTimeZone: ctx.config.zonelessTimeZone });
    if (o.fromTime) {
      const before = received.envelopes.length;
      received.envelopes = received.envelopes.filter((e) => (toIsoUtc(e.time) ?? e.time) >= (o.fromTime as string));
      report.skippedBefore += before - received.envelopes.length;
    }
    const result = await handOff(received, ctx);
    if (result.outcome.kind !== 'accepted') {
      report.failed += received.envelopes.length;
      report.end = { reason: 'error', lastPosition: resumeFrom, message: `hand-off failed (${result.outcome.kind === 'retryLater' ? result.outcome.code : 'rejected'}); rerun from ${resumeFrom ? `--position ${resumeFrom}` : 'the start'}` };
      return report;
    }
    resumeFrom = next.value.position;
    report.accepted += received.envelopes.length;
    report.duplicates += result.report?.duplicates ?? 0;
    report.parked += result.report?.parked ?? 0;
  }
}
