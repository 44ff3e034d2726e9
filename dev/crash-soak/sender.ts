/**
 * The crash soak's senders: signed I/O Events deliveries (User Audit,
 * Notification) and Marketo Lead Activity pushes, each retried the way its
 * sender retries — I/O Events after 1, 2, 4, 8 and 15 minutes on a 429, a 5xx,
 * a network error or no answer within 10 s; Marketo three times — with the
 * minutes compressed by `timeScale`. A share of acknowledged deliveries is
 * sent again later, as both senders do. Every delivery knows the
 * (route, event id) pairs it must produce downstream.
 */
import { randomUUID } from 'node:crypto';
import { auditEvent, legacyPush, notificationEvent } from '../traffic/events';
import { int, type Rng } from '../traffic/rng';
import { adobeDeliveryHeaders, type SigningKey } from '../traffic/signing';

export const SOAK_ROUTES = {
  routes: [
    { name: 'audit', match: { stream: 'user-audit' }, action: 'downstream/audit' },
    { name: 'security', match: { componentType: ['Login', 'User', 'Role'] }, action: 'downstream/siem' },
    { name: 'notify', match: { stream: 'notification' }, action: 'downstream/notify' },
    { name: 'leads', match: { stream: 'lead-activity' }, action: 'downstream/leads' },
    { name: 'forms', match: { stream: 'lead-activity', activityTypeId: 2 }, action: 'downstream/forms' },
  ],
};

/**
 * The destination scenarios' routes, beside SOAK_ROUTES: every User Audit event to a
 * Standard Webhooks receiver (`hooks` → destination `crm`), every Lead Activity to a
 * PostgreSQL table (`rows` → destination `warehouse`).
 */
export const SOAK_DESTINATION_ROUTES = [
  { name: 'hooks', match: { stream: 'user-audit' }, destination: 'crm' },
  { name: 'rows', match: { stream: 'lead-activity' }, destination: 'warehouse' },
];

export interface Delivery {
  kind: 'io' | 'push';
  path: string;
  body: string;
  headers: (attempt: number) => Record<string, string>;
  pairs: string[];
}

export interface SenderOptions {
  baseUrl: string;
  clientId: string;
  pushToken: string;
  keys: [SigningKey, SigningKey];
  rng: Rng;
  /** real minutes → soak milliseconds (e.g. 600: Adobe's first retry 600 ms later) */
  minuteMs: number;
  requestTimeoutMs?: number;
  redeliverShare?: number;
  /** the relay's ROUTES also hold SOAK_DESTINATION_ROUTES: deliveries expect their pairs too */
  destinations?: boolean;
}

export interface Tally {
  deliveries: number;
  attempts: number;
  /** pairs whose delivery got a 2xx at least once */
  acked: Map<string, number>;
  /** pairs whose every attempt failed (the sender gave up) */
  gaveUp: number;
  /** deliveries answered a 4xx (final for both senders) */
  refused: Map<string, number>;
  statuses: Map<string, number>;
}

const ADOBE_RETRY_MINUTES = [1, 2, 4, 8, 15];
const MARKETO_RETRY_MINUTES = [1, 2, 4];
const retryable = (status: number): boolean => status === 429 || status >= 500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function makeDelivery(o: SenderOptions): Delivery {
  const { rng } = o;
  const r = rng();
  if (r < 0.45) {
    const events = Array.from({ length: int(rng, 1, 20) }, () => auditEvent(rng, { clientId: o.clientId }));
    const pairs = events.flatMap((e) => {
      const id = String(e.eventid);
      const component = String(((e.event as { body: { data: { componentType: string } } }).body.data).componentType);
      return [`audit ${id}`, ...(['Login', 'User', 'Role'].includes(component) ? [`security ${id}`] : []), ...(o.destinations ? [`hooks ${id}`] : [])];
    });
    return ioDelivery(o, '/api/v1/web/marketo-stream-relay/user-audit', events, pairs);
  }
  if (r < 0.6) {
    const events = Array.from({ length: int(rng, 1, 3) }, () => notificationEvent(rng, { clientId: o.clientId }));
    return ioDelivery(o, '/api/v1/web/marketo-stream-relay/notification', events, events.map((e) => `notify ${String(e.eventid)}`));
  }
  const push = legacyPush(rng, int(rng, 1, 100));
  const activities = push.activities as { marketoGUID: string; activityTypeId: number }[];
  const pairs = activities.flatMap((a) => [`leads ${a.marketoGUID}`, ...(a.activityTypeId === 2 ? [`forms ${a.marketoGUID}`] : []), ...(o.destinations ? [`rows ${a.marketoGUID}`] : [])]);
  const body = JSON.stringify(push);
  return {
    kind: 'push',
    path: '/api/v1/web/marketo-stream-relay/lead-activity',
    body,
    headers: () => ({ 'content-type': 'application/json', authorization: `Bearer ${o.pushToken}` }),
    pairs,
  };
}

function ioDelivery(o: SenderOptions, path: string, events: unknown[], pairs: string[]): Delivery {
  const body = JSON.stringify(events);
  const deliveryId = randomUUID();
  // Adobe signs each attempt with the same keys; the signature covers only the body
  const signed = adobeDeliveryHeaders(body, o.keys, { deliveryId });
  return { kind: 'io', path, body, headers: (attempt) => ({ ...signed, ...(attempt ? { 'x-adobe-retry-count': String(attempt) } : {}) }), pairs };
}

async function attempt(o: SenderOptions, d: Delivery, n: number): Promise<number | string> {
  try {
    const res = await fetch(o.baseUrl + d.path, { method: 'POST', headers: d.headers(n), body: d.body, signal: AbortSignal.timeout(o.requestTimeoutMs ?? 10_000) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    return e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name ?? 'error');
  }
}

export function newTally(): Tally {
  return { deliveries: 0, attempts: 0, acked: new Map(), gaveUp: 0, refused: new Map(), statuses: new Map() };
}

/** One attempt (the `n`th) of a delivery, counted: its status, and its pairs when it was acknowledged. */
export async function sendOnce(o: SenderOptions, d: Delivery, tally: Tally, n = 0): Promise<number | string> {
  tally.attempts++;
  const status = await attempt(o, d, n);
  tally.statuses.set(String(status), (tally.statuses.get(String(status)) ?? 0) + 1);
  if (typeof status === 'number' && status >= 200 && status < 300) for (const p of d.pairs) tally.acked.set(p, (tally.acked.get(p) ?? 0) + 1);
  return status;
}

/** Sends one delivery to the end of its sender's retries; resolves true when it was acknowledged. */
export async function sendWithRetries(o: SenderOptions, d: Delivery, tally: Tally): Promise<boolean> {
  const schedule = d.kind === 'io' ? ADOBE_RETRY_MINUTES : MARKETO_RETRY_MINUTES;
  tally.deliveries++;
  for (let n = 0; ; n++) {
    const status = await sendOnce(o, d, tally, n);
    if (typeof status === 'number' && status >= 200 && status < 300) return true;
    if (typeof status === 'number' && !retryable(status)) {
      tally.refused.set(String(status), (tally.refused.get(String(status)) ?? 0) + d.pairs.length);
      return false;
    }
    if (n >= schedule.length) break;
    await sleep(schedule[n] * o.minuteMs);
  }
  tally.gaveUp += d.pairs.length;
  return false;
}

/** Sends fresh deliveries with `concurrency` in flight until `stop()` says so; redelivers a share of the acknowledged ones. */
export async function runSenders(o: SenderOptions, tally: Tally, concurrency: number, stop: () => boolean): Promise<void> {
  const redeliver: Delivery[] = [];
  const share = o.redeliverShare ?? 0.06;
  const worker = async (): Promise<void> => {
    while (!stop()) {
      const again = redeliver.length && o.rng() < 0.5 ? redeliver.shift() : undefined;
      const d = again ?? makeDelivery(o);
      const ok = await sendWithRetries(o, d, tally);
      if (ok && !again && o.rng() < share) redeliver.push(d);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // what is still queued for redelivery goes out before the end, as the senders would
  for (const d of redeliver.splice(0)) await sendWithRetries(o, d, tally);
}

