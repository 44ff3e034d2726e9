/**
 * What a simulated Marketo sends: signed I/O Events deliveries of User Audit
 * (V1 and V2, single and batch), the three Notification types and the I/O form
 * of Lead Activity; Lead Activity pushes of 100–500 activities with a static
 * token or an OAuth2 token from the IdP; Adobe-style redeliveries (same body,
 * new delivery id, x-adobe-retry-count) and Marketo retries; and a small share
 * of hostile requests that must be rejected. Shared by `npm start`, the tests
 * and the benchmarks.
 */
import { randomUUID } from 'node:crypto';
import type { Stream } from '../../src/envelope/envelope';
import { auditEvent, ioActivityEvent, legacyActivity, legacyPush, NOTIFICATION_KINDS, notificationEvent, type NotificationKind } from './events';
import { int, pick, type Rng } from './rng';
import { adobeDeliveryHeaders, signBody, type SigningKey } from './signing';

export interface PlannedRequest {
  label: string;
  action: Stream;
  method: 'GET' | 'POST';
  query: string;
  headers: Record<string, string>;
  body: Buffer;
  /** accepted: 2xx expected; rejected: this 4xx expected */
  expect: { outcome: 'accepted' } | { outcome: 'rejected'; status: number };
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
}

export type HostileKind = 'bad-signature' | 'wrong-recipient' | 'bad-token' | 'expired-token';
export const HOSTILE_KINDS: readonly HostileKind[] = ['bad-signature', 'wrong-recipient', 'bad-token', 'expired-token'];

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

export class TrafficPlan {
  private sent: PlannedRequest[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly ctx: PlanContext,
  ) {}

  challenge(action: Stream): PlannedRequest {
    return { label: `${action} challenge`, action, method: 'GET', query: `challenge=${randomUUID()}`, headers: {}, body: Buffer.alloc(0), expect: { outcome: 'accepted' } };
  }

  private signed(label: string, action: Stream, payload: unknown, retryCount = 0): PlannedRequest {
    const body = json(payload);
    const headers = adobeDeliveryHeaders(body, this.ctx.keys, { retryCount, contentType: this.rng() < 0.3 ? 'application/cloudevents+json; charset=UTF-8' : 'application/json' });
    return this.remember({ label, action, method: 'POST', query: '', headers, body, expect: { outcome: 'accepted' } });
  }

  private remember(r: PlannedRequest): PlannedRequest {
    if (r.expect.outcome === 'accepted' && r.method === 'POST') {
      this.sent.push(r);
      if (this.sent.length > 50) this.sent.shift();
    }
    return r;
  }

  audit(version: 'V1' | 'V2' = this.rng() < 0.3 ? 'V1' : 'V2', size = this.rng() < 0.5 ? 1 : int(this.rng, 2, 20)): PlannedRequest {
    const events = Array.from({ length: size }, () => auditEvent(this.rng, { clientId: this.ctx.clientId, version }));
    return this.signed(`user-audit ${version} ×${size}`, 'user-audit', size === 1 ? events[0] : events);
  }

  notification(kind: NotificationKind = pick(this.rng, NOTIFICATION_KINDS)): PlannedRequest {
    return this.signed(`notification ${kind}`, 'notification', [notificationEvent(this.rng, { clientId: this.ctx.clientId, kind })]);
  }

  ioLeadActivity(size = int(this.rng, 1, 20)): PlannedRequest {
    const events = Array.from({ length: size }, () => ioActivityEvent(this.rng, legacyActivity(this.rng), { clientId: this.ctx.clientId }));
    return this.signed(`lead-activity I/O ×${size}`, 'lead-activity', events);
  }

  async push(auth: 'token' | 'oauth', size?: number): Promise<PlannedRequest> {
    const [min, max] = this.ctx.pushSize ?? [100, 500];
    const n = size ?? int(this.rng, min, max);
    const token = auth === 'token' ? this.ctx.pushToken : await this.ctx.oauthToken();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    return this.remember({ label: `lead-activity push ×${n} (${auth})`, action: 'lead-activity', method: 'POST', query: '', headers, body: json(legacyPush(this.rng, n)), expect: { outcome: 'accepted' } });
  }

  /** The same delivery again: Adobe's retry (new delivery id, retry count) or Marketo's (same body). */
  redelivery(): PlannedRequest | undefined {
    const prev = this.sent.length ? pick(this.rng, this.sent) : undefined;
    if (!prev) return undefined;
    const retry = int(this.rng, 1, 3);
    const headers = prev.headers['x-adobe-delivery-id'] ? { ...prev.headers, 'x-adobe-delivery-id': randomUUID(), 'x-adobe-retry-count': String(retry) } : prev.headers;
    return { ...prev, label: `redelivery of ${prev.label}`, headers };
  }

  async hostile(kind: HostileKind): Promise<PlannedRequest> {
    const reject = (label: string, action: Stream, headers: Record<string, string>, body: Buffer, status: number): PlannedRequest => ({ label: `hostile: ${label}`, action, method: 'POST', query: '', headers, body, expect: { outcome: 'rejected', status } });
    if (kind === 'bad-signature') {
      const body = json([auditEvent(this.rng, { clientId: this.ctx.clientId })]);
      const headers = { ...adobeDeliveryHeaders(body, this.ctx.keys), 'x-adobe-digital-signature-1': signBody('forged', this.ctx.keys[0]), 'x-adobe-digital-signature-2': signBody('forged', this.ctx.keys[1]) };
      return reject('bad signature', 'user-audit', headers, body, 401);
    }
    if (kind === 'wrong-recipient') {
      const body = json([notificationEvent(this.rng, { clientId: this.ctx.clientId }), notificationEvent(this.rng, { clientId: 'another-client' })]);
      return reject('wrong recipient', 'notification', adobeDeliveryHeaders(body, this.ctx.keys), body, 403);
    }
    const token = kind === 'bad-token' ? 'not-the-token' : this.ctx.expiredToken ? await this.ctx.expiredToken() : tamperedJwt(await this.ctx.oauthToken());
    return reject(kind.replace('-', ' '), 'lead-activity', { 'content-type': 'application/json', authorization: `Bearer ${token}` }, json(legacyPush(this.rng, 3)), 401);
  }

  /** The next request of a continuous mix over the enabled streams. */
  async next(): Promise<PlannedRequest> {
    const r = this.rng();
    if (r < 0.03) return this.hostile(pick(this.rng, HOSTILE_KINDS));
    if (r < 0.08) {
      const again = this.redelivery();
      if (again) return again;
    }
    const stream = pick(this.rng, this.ctx.streams);
    if (stream === 'user-audit') return this.audit();
    if (stream === 'notification') return this.notification();
    const k = this.rng();
    return k < 0.2 ? this.push('token') : k < 0.4 ? this.push('oauth') : this.ioLeadActivity();
  }

  /** One of each kind (what `npm start -- --once` and CI smoke tests send). */
  async once(): Promise<PlannedRequest[]> {
    const list: PlannedRequest[] = this.ctx.streams.map((s) => this.challenge(s));
    const has = (s: Stream) => this.ctx.streams.includes(s);
    if (has('user-audit')) list.push(this.audit('V1', 1), this.audit('V2', 5));
    if (has('notification')) for (const k of NOTIFICATION_KINDS) list.push(this.notification(k));
    if (has('lead-activity')) list.push(await this.push('token', 100), await this.push('oauth', 100), this.ioLeadActivity(10));
    const again = this.redelivery();
    if (again) list.push(again);
    for (const k of HOSTILE_KINDS) list.push(await this.hostile(k));
    return list;
  }
}

/** A JWT whose expiry was pushed into the past without re-signing (when no expired token can be minted). */
function tamperedJwt(jwt: string): string {
  const [h, p, s] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  return `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 3600 })).toString('base64url')}.${s}`;
}
