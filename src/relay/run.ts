/**
 * The composition every receiver action shares: context → decode → receive →
 * hand off → one log line → HTTP. An action file only names its stream and
 * its receive step.
 */
import type { Stream } from '../envelope/envelope';
import type { Json } from '../envelope/fields';
import { decodeRequest, type RawRequest } from '../http/request';
import { statusOf, toHttpResponse, type HttpResponse } from '../http/response';
import { receiveRegisteredEvent, type Received } from '../io-events/receive';
import { rejected, type Outcome, type Step } from '../outcome';
import { relayContext, reportConfigErrorsOnce, type RelayContext } from './context';
import { handOff, type HandOffResult } from './hand-off';

export type ReceiveStep = (req: RawRequest, ctx: RelayContext) => Promise<Step<Received>>;

/** What a non-web (Runtime-action registration) invocation returns: failures must fail the activation. */
export type RegistrationResult = HttpResponse | { error: HttpResponse };

export const isRegistrationInvocation = (params: Json): boolean =>
  params.__adobe_headers !== undefined && params.__ow_method === undefined;

/** What the request itself says about the delivery, for rejections that never got as far as its events. */
function deliveryHints(params: Json): Record<string, string> {
  const h = params.__ow_headers as Record<string, string> | undefined;
  if (!h || typeof h !== 'object') return {};
  const pick = (k: string): string | undefined => (typeof h[k] === 'string' ? h[k].slice(0, 128) : undefined);
  const hints = { deliveryId: pick('x-adobe-delivery-id'), eventId: pick('x-adobe-event-id'), retryCount: pick('x-adobe-retry-count') };
  return Object.fromEntries(Object.entries(hints).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

function logRequest(ctx: RelayContext, name: string, stream: Stream, outcome: Outcome, received: Received | undefined, result: HandOffResult | undefined, method: string, params: Json): void {
  const fields = {
    action: name,
    stream,
    method,
    ...(received ? {} : deliveryHints(params)),
    status: statusOf(outcome),
    outcome: outcome.kind,
    ...(outcome.kind === 'rejected' || outcome.kind === 'retryLater' ? { reason: outcome.code } : {}),
    ...(received ? { deliveryId: received.meta.deliveryId, retryCount: received.meta.retryCount ?? 0, events: received.envelopes.length, eventIds: received.envelopes.map((e) => e.id) } : {}),
    ...(received?.meta.messageId ? { messageId: received.meta.messageId } : {}),
    ...(result?.report ? { forwarded: result.report.forwarded, duplicates: result.report.duplicates, parked: result.report.parked, unrouted: result.report.unrouted, failures: result.report.failures, ...(result.report.dedupeUnavailable ? { dedupeUnavailable: result.report.dedupeUnavailable } : {}), ...(result.report.pending ? { pending: result.report.pending } : {}) } : {}),
    ...(result?.quarantined ? { quarantined: result.quarantined } : {}),
    durationMs: ctx.now() - ctx.startedAt,
  };
  if (outcome.kind === 'rejected' || outcome.kind === 'retryLater') ctx.log.warn('delivery rejected', fields);
  else ctx.log.info(outcome.kind === 'challenge' ? 'challenge answered' : 'delivery accepted', fields);
}

function countForStatus(ctx: RelayContext, stream: Stream, outcome: Outcome, received: Received | undefined, result: HandOffResult | undefined): void {
  const munchkinIds: Record<string, number> = {};
  let lastEventTime: string | undefined;
  for (const e of received?.envelopes ?? []) {
    if (e.munchkinId) munchkinIds[e.munchkinId] = (munchkinIds[e.munchkinId] ?? 0) + 1;
    if (!lastEventTime || e.time > lastEventTime) lastEventTime = e.time;
  }
  const failed = outcome.kind === 'rejected' || outcome.kind === 'retryLater';
  ctx.stats.record({
    stream: received?.meta.stream ?? stream,
    at: ctx.now(),
    status: statusOf(outcome),
    outcome: outcome.kind,
    ...(failed ? { reason: outcome.code, message: outcome.message } : {}),
    events: outcome.kind === 'accepted' ? (received?.envelopes.length ?? 0) : 0,
    munchkinIds: outcome.kind === 'accepted' ? munchkinIds : {},
    lastEventTime,
    ...(result?.report ? { forwarded: result.report.forwarded, duplicates: result.report.duplicates, parked: result.report.parked, unrouted: result.report.unrouted, dedupeUnavailable: result.report.dedupeUnavailable } : {}),
    quarantined: result?.quarantined ?? 0,
  });
}

let warmedUp = false;

/**
 * A container's first request: the openwhisk client and Core.Logger are built
 * at the first moment the request waits on the network (the signing-key or
 * JWKS fetch), not after it — on a cold container that wait and these ≈ 35 ms
 * of loading overlap. Nothing waits for it; what is still missing when needed
 * is loaded there, as before.
 */
function warmUpOnce(ctx: RelayContext): void {
  if (warmedUp) return;
  warmedUp = true;
  setImmediate(() => {
    try {
      ctx.invoker.prepare?.();
      ctx.log.prepare?.();
    } catch {
      // the first invocation or log line loads it again and reports what fails
    }
  });
}

async function process(name: string, stream: Stream, params: Json, receive: ReceiveStep, ctx: RelayContext): Promise<{ outcome: Outcome; registration: boolean }> {
  warmUpOnce(ctx);
  const registration = isRegistrationInvocation(params);
  let received: Received | undefined;
  let result: HandOffResult | undefined;
  let outcome: Outcome;
  let method = 'invoke';
  let step: Step<Received>;
  if (registration) {
    step = receiveRegisteredEvent(params, stream, { clientIds: ctx.config.events.clientIds, now: ctx.now });
  } else {
    const req = decodeRequest(params, ctx.config.maxBodyBytes);
    method = typeof params.__ow_method === 'string' ? params.__ow_method.toLowerCase() : 'get';
    step = req.ok ? await receive(req.value, ctx) : req;
  }
  if (step.ok) {
    received = step.value;
    result = await handOff(received, ctx);
    outcome = result.outcome;
  } else {
    outcome = step.outcome;
  }
  logRequest(ctx, name, stream, outcome, received, result, method, params);
  countForStatus(ctx, stream, outcome, received, result);
  await ctx.stats.maybeFlush();
  return { outcome, registration };
}

export async function runReceiver(name: string, stream: Stream, params: Json, receive: ReceiveStep): Promise<RegistrationResult> {
  const c = relayContext(params, name);
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log);
    return toHttpResponse(rejected(500, 'config_invalid', 'the action configuration is invalid; the action log says why'));
  }
  try {
    const { outcome, registration } = await process(name, stream, params, receive, c.ctx);
    const response = toHttpResponse(outcome);
    return registration && statusOf(outcome) >= 500 ? { error: response } : response;
  } catch (err) {
    c.ctx.log.error('unexpected failure', { action: name, stream, err: { name: (err as Error).name, message: (err as Error).message } });
    return toHttpResponse({ kind: 'retryLater', status: 503, code: 'internal_error', message: 'the relay failed unexpectedly; retry later', retryAfterSeconds: 30 });
  }
}
