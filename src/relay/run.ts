/**
 * The composition every receiver action shares: context → decode → receive →
 * hand off → one log line → HTTP. An action file only names its stream and
 * its receive step.
 */
import { streamOfDelivery, type Stream } from '../envelope/envelope';
import type { Json } from '../envelope/fields';
import { decodeRequest, type RawRequest } from '../http/request';
import { statusOf, toHttpResponse, type HttpResponse } from '../http/response';
import { receiveRegisteredEvent, type Received } from '../io-events/receive';
import { hasSignatureHeaders } from '../io-events/signature';
import type { Outcome, Step } from '../outcome';
import { dict } from '../status/stats';
import { relayContext, reportConfigErrorsOnce, type RelayContext } from './context';
import { handOff, type HandOffResult } from './hand-off';

export type ReceiveStep = (req: RawRequest, ctx: RelayContext) => Promise<Step<Received>>;

/** What a non-web (Runtime-action registration) invocation returns: failures must fail the activation. */
export type RegistrationResult = HttpResponse | { error: HttpResponse };

export const isRegistrationInvocation = (params: Json): boolean =>
  params.__adobe_headers !== undefined && params.__ow_method === undefined;

/** The request headers every log line names (log field ← header). */
const LOGGED_HEADERS = {
  deliveryId: 'x-adobe-delivery-id',
  eventId: 'x-adobe-event-id',
  retryCount: 'x-adobe-retry-count',
  eventCode: 'x-adobe-event-code',
  provider: 'x-adobe-provider',
  requestId: 'x-request-id',
} as const;
const MAX_HEADER_LOG = 128;

/** A header value fit for a log line: printable ASCII only, at most 128 characters. */
const sanitizeHeader = (v: string): string => {
  const clean = v.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > MAX_HEADER_LOG ? `${clean.slice(0, MAX_HEADER_LOG)}…` : clean;
};

/**
 * What the request's headers say about the delivery, for every log line: the web
 * request's `__ow_headers`, or in registration mode the `__adobe_headers` Adobe passes.
 * Logged only: no header decides what an event is.
 */
function deliveryHints(params: Json): Record<string, string | number> {
  const raw = (params.__ow_method !== undefined ? params.__ow_headers : params.__adobe_headers ?? params.__ow_headers) as Record<string, unknown> | undefined;
  const headers: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const hints: Record<string, string | number> = {};
  for (const [field, header] of Object.entries(LOGGED_HEADERS)) if (headers[header] !== undefined) hints[field] = sanitizeHeader(headers[header]);
  // always a number: 0 for a first attempt (no header); a value that is not a count is kept as text beside it
  const retry = Number(headers[LOGGED_HEADERS.retryCount]);
  if (hints.retryCount !== undefined && !(Number.isInteger(retry) && retry >= 0)) hints.retryCountHeader = hints.retryCount;
  hints.retryCount = Number.isInteger(retry) && retry >= 0 ? retry : 0;
  return hints;
}

/** I/O Events' own event ids where they differ from the envelope ids (I/O Lead Activity: the id x-adobe-event-id carries). */
function ioEventIdsOf(received: Received | undefined): { ioEventIds?: string[] } {
  const envelopes = received?.envelopes ?? [];
  return envelopes.some((e) => e.eventid !== undefined && e.eventid !== e.id) ? { ioEventIds: envelopes.map((e) => e.eventid ?? '') } : {};
}

function logRequest(ctx: RelayContext, name: string, stream: Stream, outcome: Outcome, received: Received | undefined, result: HandOffResult | undefined, method: string, params: Json): void {
  const fields = {
    action: name,
    stream,
    method,
    ...deliveryHints(params),
    status: statusOf(outcome),
    outcome: outcome.kind,
    ...(outcome.kind === 'rejected' || outcome.kind === 'retryLater' ? { reason: outcome.code } : {}),
    ...(received ? { deliveryId: received.meta.deliveryId, retryCount: received.meta.retryCount ?? 0, events: received.envelopes.length, eventIds: received.envelopes.map((e) => e.id) } : {}),
    ...(received?.meta.messageId ? { messageId: received.meta.messageId } : {}),
    ...(received?.stale ? { stale: received.stale.length, staleIds: received.stale.map((e) => e.id) } : {}),
    ...ioEventIdsOf(received),
    ...(result?.report ? { forwarded: result.report.forwarded, duplicates: result.report.duplicates, parked: result.report.parked, unrouted: result.report.unrouted, failures: result.report.failures, ...(result.report.dedupeUnavailable ? { dedupeUnavailable: result.report.dedupeUnavailable } : {}), ...(result.report.pending ? { pending: result.report.pending } : {}) } : {}),
    ...(result?.quarantined ? { quarantined: result.quarantined } : {}),
    ...(result?.catalog ?? {}),
    durationMs: ctx.now() - ctx.startedAt,
  };
  if (outcome.kind === 'rejected' || outcome.kind === 'retryLater') ctx.log.warn('delivery rejected', fields);
  else ctx.log.info(outcome.kind === 'challenge' ? 'challenge answered' : 'delivery accepted', fields);
}

function countForStatus(ctx: RelayContext, stream: Stream, outcome: Outcome, received: Received | undefined, result: HandOffResult | undefined, pushed: boolean): void {
  const munchkinIds = dict<number>();
  let lastEventTime: string | undefined;
  for (const e of received?.envelopes ?? []) {
    if (e.munchkinId) munchkinIds[e.munchkinId] = (munchkinIds[e.munchkinId] ?? 0) + 1;
    if (!lastEventTime || e.time > lastEventTime) lastEventTime = e.time;
  }
  const failed = outcome.kind === 'rejected' || outcome.kind === 'retryLater';
  ctx.stats.record({
    stream: received ? streamOfDelivery(received.envelopes, received.meta.stream) : stream,
    at: ctx.now(),
    status: statusOf(outcome),
    outcome: outcome.kind,
    ...(failed ? { reason: outcome.code, message: outcome.message } : {}),
    events: outcome.kind === 'accepted' ? (received?.envelopes.length ?? 0) : 0,
    munchkinIds: outcome.kind === 'accepted' ? munchkinIds : {},
    lastEventTime,
    ...(result?.report ? { forwarded: result.report.forwarded, duplicates: result.report.duplicates, parked: result.report.parked, unrouted: result.report.unrouted, dedupeUnavailable: result.report.dedupeUnavailable } : {}),
    quarantined: result?.quarantined ?? 0,
    ...(pushed ? { pushed } : {}),
  });
}

let warmedUp = false;

/**
 * A container's first request: the openwhisk client is built at the first
 * moment the request waits on the network (the signing-key or JWKS fetch), not
 * after it — on a cold container that wait and its loading overlap. Nothing
 * waits for it; if it is still missing when needed it is loaded there.
 */
function warmUpOnce(ctx: RelayContext): void {
  if (warmedUp) return;
  warmedUp = true;
  setImmediate(() => {
    try {
      ctx.invoker.prepare?.();
    } catch {
      // the first invocation loads it again and reports what fails
    }
  });
}

async function process(name: string, stream: Stream, params: Json, receive: ReceiveStep, ctx: RelayContext): Promise<Outcome> {
  warmUpOnce(ctx);
  const registration = isRegistrationInvocation(params);
  let received: Received | undefined;
  let result: HandOffResult | undefined;
  let outcome: Outcome;
  let method = 'invoke';
  let step: Step<Received>;
  let pushed = false;
  if (registration) {
    step = receiveRegisteredEvent(params, stream, { clientIds: ctx.config.events.clientIds, requireRecipient: ctx.config.events.requireRecipient, now: ctx.now, zonelessTimeZone: ctx.config.zonelessTimeZone });
  } else {
    const req = decodeRequest(params, ctx.config.maxBodyBytes);
    method = typeof params.__ow_method === 'string' ? params.__ow_method.toLowerCase() : 'get';
    step = req.ok ? await receive(req.value, ctx) : req;
    // Marketo's legacy push: what lead-activity gets by POST without Adobe's signature headers
    pushed = stream === 'lead-activity' && method === 'post' && req.ok && !hasSignatureHeaders(req.value.headers);
  }
  if (step.ok) {
    received = step.value;
    result = await handOff(received, ctx);
    outcome = result.outcome;
    // stale events are among the quarantined: the answer says how many of them were
    if (received.stale && outcome.kind === 'accepted') outcome = { ...outcome, summary: { ...outcome.summary, stale: received.stale.length } };
  } else {
    outcome = step.outcome;
  }
  logRequest(ctx, name, stream, outcome, received, result, method, params);
  countForStatus(ctx, stream, outcome, received, result, received ? received.meta.transport === 'legacy-push' : pushed);
  await ctx.stats.maybeFlush();
  return outcome;
}

/** A failure a retry can fix: 5xx (config_invalid included: fixing the config fixes the retry) or 429. */
const retryable = (outcome: Outcome): boolean => {
  const status = statusOf(outcome);
  return status >= 500 || status === 429;
};

export async function runReceiver(name: string, stream: Stream, params: Json, receive: ReceiveStep): Promise<RegistrationResult> {
  // A Runtime-action registration only retries an activation that failed: every
  // retryable answer becomes `{ error }` there, whichever path produced it.
  const registration = isRegistrationInvocation(params);
  const answer = (outcome: Outcome): RegistrationResult => {
    const response = toHttpResponse(outcome);
    return registration && retryable(outcome) ? { error: response } : response;
  };
  const c = relayContext(params, name);
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    c.log.warn('delivery rejected', { action: name, stream, ...deliveryHints(params), status: statusOf(c.outcome), outcome: c.outcome.kind, reason: 'code' in c.outcome ? c.outcome.code : undefined, registration });
    return answer(c.outcome);
  }
  try {
    return answer(await process(name, stream, params, receive, c.ctx));
  } catch (err) {
    try {
      c.ctx.log.error('unexpected failure', { action: name, stream, ...deliveryHints(params), status: 503, reason: 'internal_error', registration, err: { name: (err as Error).name, message: (err as Error).message } });
    } catch {
      // a failing logger must not turn a retryable answer into a thrown activation
    }
    return answer({ kind: 'retryLater', status: 503, code: 'internal_error', message: 'the relay failed unexpectedly; retry later', retryAfterSeconds: 30 });
  }
}
