/** The receive step of the I/O Events webhooks, bound to a stream. */
import type { Stream } from '../envelope/envelope';
import { receiveIoEvents } from '../io-events/receive';
import type { ReceiveStep } from './run';

export const receiveIoWebhook =
  (stream: Stream): ReceiveStep =>
  (req, ctx) =>
    receiveIoEvents(req, stream, {
      clientIds: ctx.config.events.clientIds,
      requireRecipient: ctx.config.events.requireRecipient,
      keys: ctx.keys,
      autoValidate: ctx.config.events.autoValidate,
      log: ctx.log,
      fetch: ctx.fetch,
      now: ctx.now,
      dedupeTtlMs: ctx.config.stores.dedupeTtlHours * 3_600_000,
    });
