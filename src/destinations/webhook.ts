/**
 * The `webhook` destination: an HTTPS endpoint that receives
 * `{"route": "<route>", "events": [<envelope>…]}` — the params a downstream
 * action would get — signed as the Standard Webhooks specification says
 * (standard-webhooks/standard-webhooks spec/standard-webhooks.md, commit
 * b2fa7b87): headers `webhook-id` (`msg_` + the batch id: the same for a batch
 * across retries and replays), `webhook-timestamp` (unix seconds of the
 * attempt) and `webhook-signature`, a space-separated list of
 * `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`, one per configured
 * secret (rotation: sign with the new and the old, the receiver accepts either).
 * Secrets are the spec's serialization: `whsec_` + base64 of 24 to 64 random bytes.
 *
 * Answers, as the spec's "Delivery success and failure" says (post-json.ts
 * attemptOfAnswer, shared with the other HTTP kinds): 2xx delivered; a 3xx is
 * not followed (redirects are refused: the URL should be updated) and so
 * rejected; 408, 429 and 5xx retried, `Retry-After` (seconds or an HTTP date)
 * passed on; a timeout or a network failure retried; any other 4xx (410 Gone
 * included) rejected with the status and at most 512 characters of the
 * answer. At most 2 KB of an answer is read (src/http/get-text.ts exchangeText:
 * one deadline for the whole exchange).
 *
 * URLs follow endpoint-url.ts (deployed: https to a public host). Deployed, each
 * connection's address is checked when the name is resolved (endpoint-url.ts
 * guardedLookup, the request's `lookup`): a name resolving to an internal
 * address is refused without connecting.
 */
import { createHmac } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { isObject } from '../envelope/fields';
import { exchangeText } from '../http/get-text';
import { type Attempt, type AttemptOptions, type Destination, type DestinationBatch } from './destination';
import { checkEndpointUrl, guardedLookup } from './endpoint-url';
import { attemptOfAnswer } from './post-json';

export interface WebhookConfig {
  url: string;
  /** decoded secrets, each 24 to 64 bytes; every one signs (the first is the current one) */
  secrets: Buffer[];
  maxBatchEvents: number;
  maxBatchBytes: number;
  /** one attempt's bound (the activation's deadline bounds it too) */
  timeoutMs: number;
  /** resolve names through guardedLookup (deployed); false only for the local runtime */
  guardAddresses: boolean;
}

export const WEBHOOK_DEFAULTS = { events: 100, bytes: 256 * 1024, timeoutMs: 15_000 } as const;
/** the spec recommends 15 to 30 s for a receiver to answer; more than the activation could wait is refused */
const MAX_TIMEOUT_MS = 30_000;
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const KEYS = ['kind', 'url', 'secret', 'batch', 'timeoutMs'];

/** `whsec_<base64>` secrets (a space-separated text or a list) as bytes; errors never quote a secret. */
export function parseWebhookSecrets(raw: unknown, errors: string[]): Buffer[] {
  const list = typeof raw === 'string' ? raw.split(/\s+/).filter(Boolean) : Array.isArray(raw) ? raw : undefined;
  if (!list || list.length === 0) {
    errors.push('secret is missing: a Standard Webhooks secret "whsec_<base64>" (several, space-separated or a list, while one is rotated)');
    return [];
  }
  const refuse = (message: string): Buffer[] => {
    errors.push(message);
    return [];
  };
  return list.flatMap((s: unknown, i) => {
    const where = list.length > 1 ? `secret ${i + 1}` : 'secret';
    if (typeof s !== 'string' || !s.startsWith(SECRET_PREFIX)) return refuse(`${where} must start with "${SECRET_PREFIX}" (Standard Webhooks secret serialization)`);
    const b64 = s.slice(SECRET_PREFIX.length);
    if (!BASE64.test(b64) || b64.length % 4 !== 0) return refuse(`${where}: what follows "${SECRET_PREFIX}" is not base64`);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length < 24 || bytes.length > 64) return refuse(`${where} is ${bytes.length} bytes: the spec asks for 24 to 64 random bytes`);
    return [bytes];
  });
}

function intIn(raw: unknown, dflt: number, min: number, max: number, name: string, errors: string[]): number {
  if (raw === undefined) return dflt;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    errors.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return dflt;
  }
  return raw;
}

export function parseWebhookConfig(raw: unknown, o: { local: boolean }): { ok: true; value: WebhookConfig } | { ok: false; errors: string[] } {
  if (!isObject(raw)) return { ok: false, errors: ['must be an object {kind, url, secret, batch?, timeoutMs?}'] };
  const errors: string[] = [];
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) errors.push(`unknown key "${k}" (allowed: ${KEYS.join(', ')})`);
  const url = checkEndpointUrl(raw.url, { local: o.local });
  if (!url.ok) errors.push(url.error);
  const secrets = parseWebhookSecrets(raw.secret, errors);
  const batch = raw.batch === undefined ? {} : raw.batch;
  if (!isObject(batch)) errors.push('batch must be an object {events?, bytes?}');
  const b = isObject(batch) ? batch : {};
  for (const k of Object.keys(b)) if (k !== 'events' && k !== 'bytes') errors.push(`batch: unknown key "${k}" (allowed: events, bytes)`);
  const maxBatchEvents = intIn(b.events, WEBHOOK_DEFAULTS.events, 1, 1000, 'batch.events', errors);
  const maxBatchBytes = intIn(b.bytes, WEBHOOK_DEFAULTS.bytes, 1024, 5 * 1024 * 1024, 'batch.bytes', errors);
  const timeoutMs = intIn(raw.timeoutMs, WEBHOOK_DEFAULTS.timeoutMs, 100, MAX_TIMEOUT_MS, 'timeoutMs', errors);
  if (errors.length || !url.ok) return { ok: false, errors };
  return { ok: true, value: { url: url.value, secrets, maxBatchEvents, maxBatchBytes, timeoutMs, guardAddresses: !o.local } };
}

/** The `webhook-signature` value: `v1,<base64>` per secret, space-separated. */
export function signWebhook(secrets: Buffer[], id: string, timestamp: number, body: Buffer): string {
  return secrets.map((s) => `v1,${createHmac('sha256', s).update(`${id}.${timestamp}.`).update(body).digest('base64')}`).join(' ');
}

/** At most this much of an answer is read (the excerpt keeps 512 characters of it). */
const READ_BYTES = 2048;

/** A failed exchange: a refused internal address is a reject (no retry reaches it), anything else a retry. */
function failure(err: Error & { code?: string }, timeoutMs: number): Attempt {
  if (err.name === 'InternalAddressError') return { outcome: 'reject', reason: `refused: ${err.message}` };
  if (err.name === 'TimeoutError') return { outcome: 'retry', reason: `timeout: no answer within ${timeoutMs} ms` };
  return { outcome: 'retry', reason: `no answer: ${err.code ?? err.name}` };
}

export function createWebhookDestination(name: string, config: WebhookConfig, deps: { lookup?: LookupFunction } = {}): Destination {
  const lookup = deps.lookup ?? (config.guardAddresses ? guardedLookup : undefined);
  return {
    kind: 'webhook',
    name,
    maxBatchEvents: config.maxBatchEvents,
    maxBatchBytes: config.maxBatchBytes,
    async send(batch: DestinationBatch, o: AttemptOptions): Promise<Attempt> {
      const timeoutMs = Math.min(config.timeoutMs, o.deadline - o.now());
      if (timeoutMs <= 0) return { outcome: 'retry', reason: 'timeout: no time left in this activation' };
      const body = Buffer.from(JSON.stringify({ route: batch.route, events: batch.events }));
      const id = `msg_${batch.batchId}`;
      const timestamp = Math.floor(o.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'marketo-stream-relay',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(config.secrets, id, timestamp, body),
      };
      try {
        const answer = await exchangeText(config.url, timeoutMs, { method: 'POST', body, headers, maxBytes: READ_BYTES, overflow: 'truncate', ...(lookup ? { lookup } : {}) });
        return attemptOfAnswer(answer, o.now());
      } catch (err) {
        return failure(err as Error, timeoutMs);
      }
    },
  };
}
