/**
 * The Adobe I/O Events webhook contract, shared by every receiver:
 * challenge → async validation (signed or not) → signatures over the raw body → parse →
 * recipient of every event → normalize. What comes out is handed on by the
 * caller (src/relay/hand-off.ts).
 */
import { CONFIG_NAME } from '../config';
import type { DeliveryMeta, Envelope, Stream } from '../envelope/envelope';
import { payloadBound, type PayloadBound } from '../delivery/param-size';
import { isObject, text, type Json } from '../envelope/fields';
import { normalizeIoEvent } from '../envelope/normalize-io';
import { toIsoUtc } from '../envelope/time';
import { isJsonContentType, parseJsonBody, parseJsonDocument, type RawRequest } from '../http/request';
import type { Log } from '../log';
import { accepted, rejected, ok, stop, type Outcome, type Step } from '../outcome';
import { answerChallenge } from './challenge';
import { checkRecipients } from './recipient';
import { hasSignatureHeaders, verifyDigitalSignatures } from './signature';
import type { KeyProvider } from './public-keys';
import { handleAsyncValidation, validationUrlOf } from './validation';

export interface IoDeps {
  clientIds: readonly string[];
  /** EVENTS_REQUIRE_RECIPIENT (default true) */
  requireRecipient?: boolean;
  keys: KeyProvider;
  autoValidate: boolean;
  log: Log;
  fetch?: typeof fetch;
  now: () => number;
  /** DEDUPE_TTL_HOURS in ms: a signed event older than this (less a margin) is set aside as stale */
  dedupeTtlMs?: number;
  /** MARKETO_ZONELESS_TIME_ZONE (UTC when absent) */
  zonelessTimeZone?: string;
}

/** A batch ready for hand-off: envelopes plus the elements that could not be normalized. */
export interface Received {
  meta: DeliveryMeta;
  envelopes: Envelope[];
  unusable: { element: Json; reason: string }[];
  /** bound of the envelopes' payload bytes (they all came from one request body) */
  payloads?: PayloadBound;
  /** events set aside (kept as stale dead letters, not forwarded) because their delivery is older than idempotency remembers */
  stale?: Envelope[];
}

/**
 * Freshness: idempotency remembers a hand-off for DEDUPE_TTL_HOURS from when it
 * happened; so an event whose DELIVERY is older than that may have been forwarded
 * once already and be forgotten since — a signed delivery captured and replayed
 * later would be forwarded again (signatures carry no timestamp). The clock is the
 * I/O CloudEvent's own `time` (`event.body.time`, V1 `event.time`, or the flat
 * CloudEvent's `time`: cloudEventOf in src/envelope/normalize-io.ts), the time I/O
 * Events stamped on the event it delivers — never a business date inside `data`:
 * Adobe's migration sample (test/fixtures/adobe-docs/io-events-lead-activity-migration.json,
 * AdobeDocs/adobe-io-events) delivers at 2026-04-21T15:28:49Z an activity dated
 * 2026-04-20, and an activity may be delivered days after its activityDate.
 * Such events are set aside (src/delivery/stale.ts: kept per route, replayable on
 * purpose) and answered 200: I/O Events retries for 24 hours only, so no genuine
 * retry is that old, and a 4xx would count against the registration. The margin
 * (a tenth of the TTL, at most an hour) absorbs clock skew. An event without a
 * readable CloudEvent time is never stale. Journal catch-up is exempt (it reads up
 * to 7 days back on purpose), and so is the legacy push, which has no delivery time.
 */
export const staleMarginMs = (dedupeTtlMs: number): number => Math.min(3_600_000, dedupeTtlMs / 10);

/** When I/O Events delivered the event: its CloudEvent `time`, read like every event time; undefined when absent or unreadable. */
function deliveredAtMs(e: Envelope, zonelessTimeZone: string | undefined): number | undefined {
  const iso = e.cloudEventTime === undefined ? undefined : toIsoUtc(e.cloudEventTime, zonelessTimeZone);
  return iso === undefined ? undefined : Date.parse(iso);
}

const MAX_VALIDATION_BODY = 4096;

export function deliveryMetaOf(headers: Record<string, string>, stream: Stream, transport: DeliveryMeta['transport']): DeliveryMeta {
  const retry = Number(headers['x-adobe-retry-count']);
  return {
    stream,
    transport,
    deliveryId: headers['x-adobe-delivery-id'] || `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    ...(Number.isInteger(retry) && retry > 0 ? { retryCount: retry } : {}),
  };
}

/** Elements of a delivery: one object or an array of objects. */
export function eventsOfBody(body: unknown): Step<Json[]> {
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0) return stop(rejected(400, 'batch_empty', 'the delivery holds no events'));
  const bad = events.findIndex((e) => !isObject(e));
  if (bad >= 0) return stop(rejected(400, 'event_not_object', `event ${bad} is not a JSON object`));
  return ok(events as Json[]);
}

/** Normalizes verified, recipient-checked elements; with `dedupeTtlMs`, events older than idempotency remembers are set aside. */
export function normalizeElements(events: Json[], meta: DeliveryMeta, headerEventId: string | undefined, now: number, o: { dedupeTtlMs?: number; zonelessTimeZone?: string } = {}): Received {
  const { dedupeTtlMs, zonelessTimeZone } = o;
  const receivedAt = new Date(now).toISOString();
  const received: Received = { meta, envelopes: [], unusable: [] };
  const single = events.length === 1 ? headerEventId : undefined;
  const staleBefore = dedupeTtlMs === undefined ? undefined : now - dedupeTtlMs + staleMarginMs(dedupeTtlMs);
  for (const element of events) {
    const n = normalizeIoEvent(element, { receivedAt, stream: meta.stream, headerEventId: single, transport: meta.transport === 'journal' ? 'journal' : 'io-events', zonelessTimeZone });
    if (!n.ok) {
      received.unusable.push({ element, reason: n.reason });
      continue;
    }
    const at = staleBefore === undefined ? undefined : deliveredAtMs(n.envelope, zonelessTimeZone);
    if (at !== undefined && staleBefore !== undefined && at < staleBefore) {
      (received.stale ??= []).push(n.envelope);
      continue;
    }
    received.envelopes.push(n.envelope);
  }
  return received;
}

/**
 * The validationUrl of an async-validation POST (parsed only when the body is
 * small), signed or not: Adobe's page does not say whether it is signed.
 */
export function asyncValidationUrl(req: RawRequest): string | undefined {
  if (req.method !== 'post' || req.rawBody.length === 0 || req.rawBody.length > MAX_VALIDATION_BODY) return undefined;
  const body = parseJsonBody(req.rawBody);
  return body.ok ? validationUrlOf(body.value) : undefined;
}

/**
 * Async validation is answered 200 whatever its signature headers say, and no
 * recipient is asked of it. Its signatures are not checked: the request is never
 * forwarded nor stored, and its one effect (an optional GET of an
 * https://csm.adobe.io URL, the only host ever fetched) is what anyone holding
 * the URL could do themselves — while a 401 would leave a real registration
 * unvalidated (Disabled after 5 minutes), and a key-host outage would turn it into a 503.
 */
async function answerAsyncValidation(url: string, req: RawRequest, deps: IoDeps): Promise<Outcome> {
  const signed = hasSignatureHeaders(req.headers);
  const result = await handleAsyncValidation(url, deps.autoValidate, deps.log, deps.fetch);
  return result === 'refused'
    ? rejected(400, 'validation_url_invalid', 'validationUrl must be an https://csm.adobe.io URL')
    : accepted({ accepted: 0, validation: result, signatureHeaders: signed });
}

/** The whole I/O Events contract for one web request. */
export async function receiveIoEvents(req: RawRequest, stream: Stream, deps: IoDeps): Promise<Step<Received>> {
  if (req.method === 'get') return stop(answerChallenge(req.query, req.headers.accept));
  if (req.method !== 'post') return stop(rejected(405, 'method_not_allowed', 'only GET (challenge) and POST (events) are accepted'));
  if (!isJsonContentType(req.headers['content-type'])) {
    return stop(rejected(415, 'content_type_unsupported', 'deliveries must be application/json or application/cloudevents+json'));
  }
  const validationUrl = asyncValidationUrl(req);
  if (validationUrl !== undefined) return stop(await answerAsyncValidation(validationUrl, req, deps));
  if (!hasSignatureHeaders(req.headers)) {
    return stop(rejected(401, 'signature_missing', 'x-adobe-digital-signature-1/2 and x-adobe-public-key1/2-path are required'));
  }
  const unauthentic = await verifyDigitalSignatures(req.rawBody, req.headers, deps.keys);
  if (unauthentic) return stop(unauthentic);
  const body = parseJsonDocument(req.rawBody);
  if (!body.ok) return body;
  const events = eventsOfBody(body.value.value);
  if (!events.ok) return events;
  const wrongRecipient = checkRecipients(events.value, deps.clientIds, { required: deps.requireRecipient });
  if (wrongRecipient) return stop(wrongRecipient);
  const meta = deliveryMetaOf(req.headers, stream, 'io-events');
  const received = normalizeElements(events.value, meta, text(req.headers['x-adobe-event-id']), deps.now(), { dedupeTtlMs: deps.dedupeTtlMs, zonelessTimeZone: deps.zonelessTimeZone });
  return ok({ ...received, payloads: payloadBound({ bytes: req.rawBody.length, text: body.value.text }) });
}

/**
 * Runtime-action registration mode: Adobe's own validator ran in front of the
 * action and passes the event as params, headers in `__adobe_headers` (without
 * the signature headers). The recipient is still checked.
 */
export function receiveRegisteredEvent(params: Json, stream: Stream, deps: Pick<IoDeps, 'clientIds' | 'requireRecipient' | 'now' | 'zonelessTimeZone'>): Step<Received> {
  const headers: Record<string, string> = {};
  if (isObject(params.__adobe_headers)) {
    for (const [k, v] of Object.entries(params.__adobe_headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  }
  const event: Json = {};
  for (const [k, v] of Object.entries(params)) if (!k.startsWith('__') && !CONFIG_NAME.test(k)) event[k] = v;
  const wrongRecipient = checkRecipients([event], deps.clientIds, { required: deps.requireRecipient });
  if (wrongRecipient) return stop(wrongRecipient);
  const meta = deliveryMetaOf(headers, stream, 'io-events');
  return ok(normalizeElements([event], meta, text(headers['x-adobe-event-id']), deps.now(), { zonelessTimeZone: deps.zonelessTimeZone }));
}
