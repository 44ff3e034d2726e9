/**
 * What a simulated Marketo sends: signed I/O Events deliveries of User Audit
 * (V1 and V2, single and batch ≤ 20), the three Notification types and the I/O
 * form of Lead Activity; Lead Activity pushes of 100–500 activities, alternately
 * with the static token and an OAuth2 token from the IdP; Adobe redeliveries
 * (same body and event ids, new x-adobe-delivery-id, x-adobe-retry-count 1–3)
 * and Marketo push retries (same messageId and body), both expected to be
 * answered as duplicates; and a small share of hostile requests that must be
 * rejected. Shared by `npm start`, the tests and the benchmarks.
 *
 * A redelivery only repeats a request whose answer came back (`confirm`): one
 * still in flight would race its original, which is not what a retry is.
 */
import { randomUUID } from 'node:crypto';
import type { Stream } from '../../src/envelope/envelope';
import { auditEvent, ioActivityEvent, legacyActivity, legacyPush, NOTIFICATION_KINDS, notificationEvent, type NotificationKind } from './events';
import { int, pick, type Rng } from './rng';
import { adobeDeliveryHeaders, signBody, type SigningKey } from './signing';

/** accepted: 200 with events taken in; duplicate: 200, every event skipped as already forwarded; rejected: this status. */
export type Expectation = { outcome: 'accepted' } | { outcome: 'duplicate' } | { outcome: 'rejected'; status: number };

export type RequestKind = 'challenge' | 'user-audit' | 'notification' | 'io-activity' | 'push' | 'adobe-redelivery' | 'marketo-retry' | 'hostile';

export interface PlannedRequest {
  label: string;
  kind: RequestKind;
  action: Stream;
  method: 'GET' | 'POST';
  /** raw query string without "?" */
  query: string;
  headers: Record<string, string>;
  body: Buffer;
  expect: Expectation;
  /** pushes: how Marketo authenticates it (a retry re-sends it with the then current token) */
  auth?: 'token' | 'oauth';
}

export interface PlanContext {
  clientId: string;
  keys: [SigningKey, SigningKey];
  pushToken: string;
  /** a current OAuth2 access token (Marketo fetches and caches one) */
  oauthToken: () => Promise<string>;
  /** an access token of the same IdP whose `exp` has passed */
  expiredToken?: () => Promise<string>;
  streams: readonly Stream[];
  /** activities per push (default 100–500) */
  pushSize?: [number, number];
  /** shares of the continuous mix (defaults 0.03 hostile, 0.05 redeliveries) */
  mix?: { hostile?: number; redelivery?: number };
}

export type HostileKind = 'bad-signature' | 'wrong-recipient' | 'bad-token' | 'expired-token';
export const HOSTILE_KINDS: readonly HostileKind[] = ['bad-signature', 'wrong-recipient', 'bad-token', 'expired-token'];

/** What the relay reported for an accepted request (the fields `confirm` looks at). */
export interface AnswerSummary {
  parked?: number;
  quarantined?: number;
  unrouted?: number;
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const IO_STREAMS: readonly Stream[] = ['user-audit', 'notification', 'lead-activity'];

/** The CloudEvent `type` of an I/O Events element (wrapped V2, wrapped V1 or flat). */
function typeOf(e: Record<string, unknown>): string | undefined {
  const ev = e.event as { body?: { type?: string }; type?: string } | undefined;
  return ev?.body?.type ?? ev?.type ?? (e.type as string | undefined);
}

export class TrafficPlan {
  /** answered deliveries that may be redelivered (the last 50) */
  private confirmed: PlannedRequest[] = [];
  private pushes = 0;
  constructor(
    private readonly rng: Rng,
    private readonly ctx: PlanContext,
  ) {}

  get streams(): readonly Stream[] {
    return this.ctx.streams;
  }

  challenge(action: Stream): PlannedRequest {
    return { label: `${action} challenge`, kind: 'challenge', action, method: 'GET', query: `challenge=${randomUUID()}`, headers: {}, body: Buffer.alloc(0), expect: { outcome: 'accepted' } };
  }

  /** An Adobe I/O Events delivery: one event as an object or a batch as an array, signed with both keys. */
  private signed(label: string, kind: RequestKind, action: Stream, events: Record<string, unknown>[], asArray = events.length > 1): PlannedRequest {
    const body = json(asArray ? events : events[0]);
    const single = events.length === 1 ? { eventId: String(events[0].eventid ?? events[0].event_id ?? events[0].id), eventCode: typeOf(events[0]) } : {};
    const contentType = this.rng() < 0.3 ? 'application/cloudevents+json; charset=UTF-8' : 'application/json';
    return { label, kind, action, method: 'POST', query: '', headers: adobeDeliveryHeaders(body, this.ctx.keys, { ...single, contentType }), body, expect: { outcome: 'accepted' } };
  }

  private ioEvents(stream: Stream, n: number, clientId = this.ctx.clientId, version?: 'V1' | 'V2'): Record<string, unknown>[] {
    return Array.from({ length: n }, () =>
      stream === 'user-audit' ? auditEvent(this.rng, { clientId, version }) : stream === 'notification' ? notificationEvent(this.rng, { clientId }) : ioActivityEvent(this.rng, legacyActivity(this.rng), { clientId }),
    );
  }

  audit(version: 'V1' | 'V2' = this.rng() < 0.3 ? 'V1' : 'V2', size = this.rng() < 0.5 ? 1 : int(this.rng, 2, 20)): PlannedRequest {
    return this.signed(`user-audit ${version} ×${size}`, 'user-audit', 'user-audit', this.ioEvents('user-audit', size, this.ctx.clientId, version));
  }

  notification(kind: NotificationKind = pick(this.rng, NOTIFICATION_KINDS)): PlannedRequest {
    return this.signed(`notification ${kind}`, 'notification', 'notification', [notificationEvent(this.rng, { clientId: this.ctx.clientId, kind })], true);
  }

  ioLeadActivity(size = int(this.rng, 1, 20)): PlannedRequest {
    return this.signed(`lead-activity I/O ×${size}`, 'io-activity', 'lead-activity', this.ioEvents('lead-activity', size), true);
  }

  private async pushHeaders(auth: 'token' | 'oauth'): Promise<Record<string, string>> {
    return { 'content-type': 'application/json', authorization: `Bearer ${auth === 'token' ? this.ctx.pushToken : await this.ctx.oauthToken()}` };
  }

  /** A legacy Lead Activity push; without `auth`, pushes alternate between the static token and OAuth. */
  async push(auth: 'token' | 'oauth' = this.pushes % 2 ? 'oauth' : 'token', size?: number): Promise<PlannedRequest> {
    this.pushes++;
    const [min, max] = this.ctx.pushSize ?? [100, 500];
    const n = size ?? int(this.rng, min, max);
    const body = json(legacyPush(this.rng, n));
    return { label: `lead-activity push ×${n} (${auth})`, kind: 'push', action: 'lead-activity', method: 'POST', query: '', headers: await this.pushHeaders(auth), body, auth, expect: { outcome: 'accepted' } };
  }

  /** Call when a request was answered as expected: fully forwarded deliveries become candidates for redelivery. */
  confirm(req: PlannedRequest, summary: AnswerSummary = {}): void {
    const kept = ['user-audit', 'notification', 'io-activity', 'push'].includes(req.kind);
    if (!kept || summary.parked || summary.quarantined || summary.unrouted) return;
    this.confirmed.push(req);
    if (this.confirmed.length > 50) this.confirmed.shift();
  }

  /** A confirmed delivery again: Adobe's retry (new delivery id, retry count) or Marketo's (same body, current token). */
  async redelivery(by?: 'adobe' | 'marketo'): Promise<PlannedRequest | undefined> {
    const candidates = this.confirmed.filter((r) => !by || (by === 'marketo') === (r.kind === 'push'));
    if (!candidates.length) return undefined;
    const prev = pick(this.rng, candidates);
    const expect: Expectation = { outcome: 'duplicate' };
    if (prev.kind === 'push') {
      return { ...prev, label: `Marketo retry of ${prev.label}`, kind: 'marketo-retry', headers: await this.pushHeaders(prev.auth ?? 'token'), expect };
    }
    const retry = int(this.rng, 1, 3);
    const headers = { ...prev.headers, 'x-adobe-delivery-id': randomUUID(), 'x-adobe-retry-count': String(retry) };
    return { ...prev, label: `Adobe redelivery #${retry} of ${prev.label}`, kind: 'adobe-redelivery', headers, expect };
  }

  /** The hostile kinds that target an enabled stream. */
  hostileKinds(): HostileKind[] {
    return HOSTILE_KINDS.filter((k) => !k.endsWith('token') || this.ctx.streams.includes('lead-activity'));
  }

  async hostile(kind: HostileKind): Promise<PlannedRequest> {
    const reject = (label: string, action: Stream, headers: Record<string, string>, body: Buffer, status: number): PlannedRequest => ({ label: `hostile: ${label}`, kind: 'hostile', action, method: 'POST', query: '', headers, body, expect: { outcome: 'rejected', status } });
    const stream = pick(this.rng, this.ctx.streams.filter((s) => IO_STREAMS.includes(s)));
    if (kind === 'bad-signature') {
      const body = json(this.ioEvents(stream, 2));
      const headers = { ...adobeDeliveryHeaders(body, this.ctx.keys), 'x-adobe-digital-signature-1': signBody('forged', this.ctx.keys[0]), 'x-adobe-digital-signature-2': signBody('forged', this.ctx.keys[1]) };
      return reject(`bad signature (${stream})`, stream, headers, body, 401);
    }
    if (kind === 'wrong-recipient') {
      const body = json([...this.ioEvents(stream, 1), ...this.ioEvents(stream, 1, 'another-client')]);
      return reject(`wrong recipient (${stream})`, stream, adobeDeliveryHeaders(body, this.ctx.keys), body, 403);
    }
    const token = kind === 'bad-token' ? 'not-the-token' : this.ctx.expiredToken ? await this.ctx.expiredToken() : tamperedJwt(await this.ctx.oauthToken());
    return reject(kind.replace('-', ' '), 'lead-activity', { 'content-type': 'application/json', authorization: `Bearer ${token}` }, json(legacyPush(this.rng, 3)), 401);
  }

  /** The next request of a continuous mix over the enabled streams. */
  async next(): Promise<PlannedRequest> {
    const r = this.rng();
    const hostile = this.ctx.mix?.hostile ?? 0.03;
    if (r < hostile) return this.hostile(pick(this.rng, this.hostileKinds()));
    if (r < hostile + (this.ctx.mix?.redelivery ?? 0.05)) {
      const again = await this.redelivery();
      if (again) return again;
    }
    const stream = pick(this.rng, this.ctx.streams);
    if (stream === 'user-audit') return this.audit();
    if (stream === 'notification') return this.notification();
    return this.rng() < 0.4 ? this.push() : this.ioLeadActivity();
  }

  /**
   * One of each kind (`npm start -- --once`, smoke tests): a challenge per action, audit V1 and V2,
   * each notification, a push per auth, an I/O batch, one redelivery of each sender, each hostile kind.
   * Send each request and `confirm` it before asking for the next one.
   */
  async *once(): AsyncGenerator<PlannedRequest> {
    const has = (s: Stream): boolean => this.ctx.streams.includes(s);
    for (const s of this.ctx.streams) yield this.challenge(s);
    if (has('user-audit')) yield* [this.audit('V1', 1), this.audit('V2', 5)];
    if (has('notification')) for (const k of NOTIFICATION_KINDS) yield this.notification(k);
    if (has('lead-activity')) yield* [await this.push('token', 100), await this.push('oauth', 100), this.ioLeadActivity(10)];
    for (const by of ['adobe', 'marketo'] as const) {
      const again = await this.redelivery(by);
      if (again) yield again;
    }
    for (const k of this.hostileKinds()) yield await this.hostile(k);
  }
}

/** The event ids the relay derives from a delivery: I/O `eventid`/`event_id`/`id`, push `marketoGUID`. */
export function eventIdsOf(req: PlannedRequest): string[] {
  if (req.method !== 'POST' || !req.body.length) return [];
  const parsed = JSON.parse(req.body.toString('utf8')) as Record<string, unknown> | Record<string, unknown>[];
  if (!Array.isArray(parsed) && Array.isArray(parsed.activities)) return (parsed.activities as Record<string, unknown>[]).map((a) => String(a.marketoGUID));
  const flat = (e: Record<string, unknown>): boolean => typeof e.type === 'string' && !e.event;
  return (Array.isArray(parsed) ? parsed : [parsed]).map((e) => String(flat(e) ? e.id : (e.eventid ?? e.event_id)));
}

/** A JWT whose expiry was pushed into the past without re-signing (when no expired token can be minted). */
function tamperedJwt(jwt: string): string {
  const [h, p, s] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  return `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 3600 })).toString('base64url')}.${s}`;
}
