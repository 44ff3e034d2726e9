/**
 * The Adobe I/O Events webhook contract, shared by every receiver:
 * challenge → (async validation) → signatures over the raw body → parse →
 * recipient of every event → normalize. What comes out is handed on by the
 * caller (src/relay/hand-off.ts).
 */
import { CONFIG_NAME } from '../config';
import type { DeliveryMeta, Envelope, Stream } from '../envelope/envelope';
import { payloadBound, type PayloadBound } from '../delivery/param-size';
import { isObject, text, type Json } from '../envelope/fields';
import { normalizeIoEvent } from '../envelope/normalize-io';
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
  keys: KeyProvider;
  autoValidate: boolean;
  log: Log;
  fetch?: typeof fetch;
  now: () => number;
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

/** Normalizes verified, recipient-checked elements. */
export function normalizeElements(events: Json[], meta: DeliveryMeta, headerEventId: string | undefined, now: number, zonelessTimeZone?: string): Received {
  const receivedAt = new Date(now).toISOString();
  const received: Received = { meta, envelopes: [], unusable: [] };
  const single = events.length === 1 ? headerEventId : undefined;
  for (const element of events) {
    const n = normalizeIoEvent(element, { receivedAt, stream: meta.stream, headerEventId: single, transport: meta.transport === 'journal' ? 'journal' : 'io-events', zonelessTimeZone });
    if (n.ok) received.envelopes.push(n.envelope);
    else received.unusable.push({ element, reason: n.reason });
  }
  return received;
}

/** The validationUrl of an unsigned async-validation POST (parsed only when the body is small). */
export function asyncValidationUrl(req: RawRequest): string | undefined {
  if (req.method !== 'post' || req.rawBody.length === 0 || req.rawBody.length > MAX_VALIDATION_BODY) return undefined;
  const body = parseJsonBody(req.rawBody);
  return body.ok ? validationUrlOf(body.value) : undefined;
}

async function answerUnsigned(req: RawRequest, deps: IoDeps): Promise<Outcome> {
  // Only an async-validation request may come unsigned.
  const url = asyncValidationUrl(req);
  if (url !== undefined) {
    const result = await handleAsyncValidation(url, deps.autoValidate, deps.log, deps.fetch);
    return result === 'refused'
      ? rejected(400, 'validation_url_invalid', 'validationUrl must be an https://csm.adobe.io URL')
      : accepted({ accepted: 0, validation: result });
  }
  return rejected(401, 'signature_missing', 'x-adobe-digital-signature-1/2 and x-adobe-public-key1/2-path are required');
}

/** The whole I/O Events contract for one web request. */
export async function receiveIoEvents(req: RawRequest, stream: Stream, deps: IoDeps): Promise<Step<Received>> {
  if (req.method === 'get') return stop(answerChallenge(req.query, req.headers.accept));
  if (req.method !== 'post') return stop(rejected(405, 'method_not_allowed', 'only GET (challenge) and POST (events) are accepted'));
  if (!isJsonContentType(req.headers['content-type'])) {
    return stop(rejected(415, 'content_type_unsupported', 'deliveries must be application/json or application/cloudevents+json'));
  }
  if (!hasSignatureHeaders(req.headers)) return stop(await answerUnsigned(req, deps));
  const unauthentic = await verifyDigitalSignatures(req.rawBody, req.headers, deps.keys);
  if (unauthentic) return stop(unauthentic);
  const body = parseJsonDocument(req.rawBody);
  if (!body.ok) return body;
  const events = eventsOfBody(body.value.value);
  if (!events.ok) return events;
  const wrongRecipient = checkRecipients(events.value, deps.clientIds);
  if (wrongRecipient) return stop(wrongRecipient);
  const meta = deliveryMetaOf(req.headers, stream, 'io-events');
  const received = normalizeElements(events.value, meta, text(req.headers['x-adobe-event-id']), deps.now(), deps.zonelessTimeZone);
  return ok({ ...received, payloads: payloadBound({ bytes: req.rawBody.length, text: body.value.text }) });
}

/**
 * Runtime-action registration mode: Adobe's own validator ran in front of the
 * action and passes the event as params, headers in `__adobe_headers` (without
 * the signature headers). The recipient is still checked.
 */
export function receiveRegisteredEvent(params: Json, stream: Stream, deps: Pick<IoDeps, 'clientIds' | 'now' | 'zonelessTimeZone'>): Step<Received> {
  const headers: Record<string, string> = {};
  if (isObject(params.__adobe_headers)) {
    for (const [k, v] of Object.entries(params.__adobe_headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  }
  const event: Json = {};
  for (const [k, v] of Object.entries(params)) if (!k.startsWith('__') && !CONFIG_NAME.test(k)) event[k] = v;
  const wrongRecipient = checkRecipients([event], deps.clientIds);
  if (wrongRecipient) return stop(wrongRecipient);
  const meta = deliveryMetaOf(headers, stream, 'io-events');
  return ok(normalizeElements([event], meta, text(headers['x-adobe-event-id']), deps.now(), deps.zonelessTimeZone));
}
