/**
 * Bounded work per delivery: an I/O Events delivery may carry at most
 * MAX_EVENTS_PER_DELIVERY events (default 500; Adobe batches hold at most 20
 * events and 2 MB, see AdobeDocs/adobe-io-events src/pages/support/faq.md), as
 * a legacy push is capped at 5,000 activities. Beyond it the delivery is
 * refused whole with 413 before anything is claimed, forwarded or parked: no
 * retry makes it smaller, and nothing of it is half-handled. Journal pages
 * (catch-up) are exempt: they are read by the relay itself, a page at a time.
 */
import { rejected, type Outcome } from '../outcome';

export function eventsOverCap(count: number, max: number): Outcome | undefined {
  if (count <= max) return undefined;
  return rejected(413, 'batch_too_large', `a delivery may hold at most ${max} events (MAX_EVENTS_PER_DELIVERY); this one has ${count}`);
}
