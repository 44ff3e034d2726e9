/**
 * Generated hostile and malformed requests, each with the 4xx it must get.
 * fast-check picks the mutation and its parameters; every case is built from
 * real signed deliveries so only the intended defect is wrong.
 */
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { auditEvent, ioActivityEvent, legacyActivity, legacyPush, notificationEvent } from '../../dev/traffic/events';
import type { TestIdp } from '../../dev/traffic/idp';
import { seeded } from '../../dev/traffic/rng';
import { adobeDeliveryHeaders, signBody, type SigningKey } from '../../dev/traffic/signing';
import type { Stream } from '../../src/envelope/envelope';

export interface HostileCase {
  label: string;
  method: string;
  query: string;
  headers: Record<string, string>;
  body: Buffer;
  status: number;
}

export interface CaseContext {
  stream: Stream;
  clientId: string;
  keys: [SigningKey, SigningKey];
  pushToken: string;
  idp?: TestIdp;
  idpPublicPem?: string;
}

const rng = seeded(99);
const validEvent = (c: CaseContext, clientId = c.clientId): Record<string, unknown> =>
  c.stream === 'user-audit'
    ? auditEvent(rng, { clientId })
    : c.stream === 'notification'
      ? notificationEvent(rng, { clientId })
      : ioActivityEvent(rng, legacyActivity(rng), { clientId });

const signedCase = (c: CaseContext, label: string, body: Buffer | string, status: number, extra: Record<string, string> = {}): HostileCase => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { label, method: 'POST', query: '', headers: { ...adobeDeliveryHeaders(b, c.keys), ...extra }, body: b, status };
};

const HOSTILE_PATHS = [
  '/prod/keys/../keys/pub-key-x.pem',
  '//evil.example/prod/keys/pub-key-x.pem',
  '/prod/keys/pub-key-x.pem@evil.example',
  '/prod/keys/%2e%2e/pub-key-x.pem',
  'https://evil.example/prod/keys/pub-key-x.pem',
  'http://169.254.169.254/latest/meta-data',
  '/prod/keys/pub-key-x.pem?x=1',
  '/prod/keys/pub-key-x.pem#frag',
  '/prod/keys/pub-key-../../etc/passwd.pem',
  ' /prod/keys/pub-key-x.pem/..',
  '/PROD/keys/pub-key-x.pem',
  '',
];

/** Body defects with a valid signature over the defective body: 400. */
function badBody(c: CaseContext): fc.Arbitrary<HostileCase> {
  const good = JSON.stringify([validEvent(c)]);
  return fc.oneof(
    fc.integer({ min: 1, max: good.length - 1 }).map((n) => signedCase(c, 'truncated JSON', good.slice(0, n), 400)),
    fc.string({ minLength: 1, maxLength: 200 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }).map((s) => signedCase(c, 'not JSON', s, 400)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => signedCase(c, 'non-UTF-8 bytes', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, ...bytes]), Buffer.from('"}')]), 400)),
    fc.constantFrom('null', '1', '"text"', 'true', '[]', '[1]', '[null]', '[[{}]]', '[{}, 3]').map((s) => signedCase(c, `shape ${s}`, s, 400)),
    fc.integer({ min: 100, max: 5000 }).map((depth) => signedCase(c, `deep nesting ${depth}`, '['.repeat(depth) + ']'.repeat(depth), 400)),
    fc.constant(signedCase(c, 'BOM + truncated', `\uFEFF${good.slice(0, 10)}`, 400)),
  );
}

/** Signature defects: 401. */
function badSignature(c: CaseContext): fc.Arbitrary<HostileCase> {
  const body = Buffer.from(JSON.stringify([validEvent(c)]));
  const h = adobeDeliveryHeaders(body, c.keys);
  const base = (label: string, headers: Record<string, string>): HostileCase => ({ label, method: 'POST', query: '', headers, body, status: 401 });
  return fc.oneof(
    fc.string({ minLength: 1, maxLength: 100 }).map((other) => base('signature of another body', { ...h, 'x-adobe-digital-signature-1': signBody(other, c.keys[0]), 'x-adobe-digital-signature-2': signBody(other, c.keys[1]) })),
    fc.constant(base('signatures swapped between key slots', { ...h, 'x-adobe-digital-signature-1': h['x-adobe-digital-signature-2'], 'x-adobe-digital-signature-2': h['x-adobe-digital-signature-1'] })),
    fc.integer({ min: 1, max: 300 }).map((n) => base('truncated signatures', { ...h, 'x-adobe-digital-signature-1': h['x-adobe-digital-signature-1'].slice(0, n), 'x-adobe-digital-signature-2': h['x-adobe-digital-signature-2'].slice(0, n) })),
    fc.base64String({ minLength: 4, maxLength: 400 }).map((s) => base('random base64 signatures', { ...h, 'x-adobe-digital-signature-1': s, 'x-adobe-digital-signature-2': s })),
    fc.constantFrom(...HOSTILE_PATHS).map((p) => base(`key path ${JSON.stringify(p)}`, { ...h, 'x-adobe-public-key1-path': p, 'x-adobe-public-key2-path': p })),
    fc.subarray(['x-adobe-digital-signature-1', 'x-adobe-digital-signature-2', 'x-adobe-public-key1-path', 'x-adobe-public-key2-path'], { minLength: 3, maxLength: 4 }).map((drop) => {
      const headers = { ...h };
      for (const d of drop) delete headers[d];
      return base(`missing ${drop.join(', ')}`, headers);
    }),
    fc.constant(base('only the legacy HMAC', { 'content-type': 'application/json', 'x-adobe-signature': createHmac('sha256', 'secret').update(body).digest('base64') })),
    fc.constantFrom(' ', '\t', '=').map((w) => base('signature with a stray character', { ...h, 'x-adobe-digital-signature-1': `${h['x-adobe-digital-signature-1']}${w}x`, 'x-adobe-digital-signature-2': `x${w}${h['x-adobe-digital-signature-2']}` })),
  );
}

/** Recipient defects with a valid signature: 403. */
function badRecipient(c: CaseContext): fc.Arbitrary<HostileCase> {
  return fc.record({ size: fc.integer({ min: 1, max: 20 }), at: fc.nat(), how: fc.constantFrom('wrong', 'missing', 'number', 'array', 'case', 'both-disagree', 'duplicate-key') }).map(({ size, at, how }) => {
    const events = Array.from({ length: size }, () => validEvent(c));
    const i = at % size;
    const e = events[i];
    delete e.recipientclientid;
    delete e.recipient_client_id;
    if (how === 'wrong') e.recipientclientid = 'another-client';
    if (how === 'number') e.recipientclientid = 12345;
    if (how === 'array') e.recipientclientid = [c.clientId];
    if (how === 'case') e.recipientclientid = c.clientId.toUpperCase();
    if (how === 'both-disagree') Object.assign(e, { recipientclientid: c.clientId, recipient_client_id: 'another-client' });
    let body = JSON.stringify(events);
    if (how === 'duplicate-key') {
      e.recipientclientid = c.clientId;
      body = JSON.stringify(events).replace(`"recipientclientid":"${c.clientId}"`, `"recipientclientid":"${c.clientId}","recipientclientid":"evil"`);
    }
    return signedCase(c, `recipient ${how} in element ${i} of ${size}`, body, 403);
  });
}

/** Request-level defects: oversize, method, content type, challenge. */
function badRequest(c: CaseContext): fc.Arbitrary<HostileCase> {
  return fc.oneof(
    fc.integer({ min: 1024 * 1024 + 1, max: 1024 * 1024 + 50_000 }).map((n) => ({ label: `body of ${n} bytes`, method: 'POST', query: '', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(n, 0x20), status: 413 })),
    fc.constantFrom('PUT', 'DELETE', 'PATCH').map((m) => ({ label: `method ${m}`, method: m, query: '', headers: {}, body: Buffer.from('{}'), status: 405 })),
    fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded').map((ct) => signedCase(c, `content type ${ct}`, JSON.stringify([validEvent(c)]), 415, { 'content-type': ct })),
    fc.string({ minLength: 1, maxLength: 300 }).filter((s) => !/^[A-Za-z0-9._~-]{1,256}$/.test(s)).map((s) => ({ label: 'bad challenge', method: 'GET', query: `challenge=${encodeURIComponent(s)}`, headers: {}, body: Buffer.alloc(0), status: 400 })),
  );
}

export function ioCases(c: CaseContext): fc.Arbitrary<HostileCase> {
  return fc.oneof({ arbitrary: badBody(c), weight: 3 }, { arbitrary: badSignature(c), weight: 3 }, { arbitrary: badRecipient(c), weight: 3 }, { arbitrary: badRequest(c), weight: 1 });
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Lead Activity push defects: tokens (401) and bodies behind a valid token (400/413). */
export async function pushCases(c: CaseContext, count: number, seed: number): Promise<HostileCase[]> {
  const idp = c.idp as TestIdp;
  const now = Math.floor(Date.now() / 1000);
  const jwts = {
    expired: await idp.mint({}, { exp: now - 600 }),
    wrongIssuer: await idp.mint({ iss: 'https://evil.example/' }),
    wrongAudience: await idp.mint({ aud: 'someone-else' }),
    notYet: await idp.mint({}, { nbf: now + 3600 }),
    none: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: idp.issuer, aud: 'marketo-stream-relay', exp: now + 300 })}.`,
    hs256: (() => {
      const head = b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
      const payload = b64url({ iss: idp.issuer, aud: 'marketo-stream-relay', sub: 'marketo', exp: now + 300 });
      return `${head}.${payload}.${createHmac('sha256', c.idpPublicPem ?? '').update(`${head}.${payload}`).digest('base64url')}`;
    })(),
  };
  const body = Buffer.from(JSON.stringify(legacyPush(rng, 3)));
  const push = (label: string, authorization: string | undefined, query = '', b = body, status = 401): HostileCase => ({
    label,
    method: 'POST',
    query,
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    body: b,
    status,
  });
  const t = c.pushToken;
  const tokenTricks = fc.oneof(
    fc.constantFrom(
      push('no token', undefined),
      push('empty Authorization', ''),
      push('scheme only', 'Bearer'),
      push('upper-cased token', `Bearer ${t.toUpperCase()}`),
      push('token plus suffix', `Bearer ${t}x`),
      push('token prefix', `Bearer ${t.slice(0, -1)}`),
      push('two tokens', `Bearer ${t} ${t}`),
      push('Basic scheme', `Basic ${Buffer.from(`x:${t}`).toString('base64')}`),
      push('zero-width space', `Bearer ${t}\u200b`),
      push('token in a cookie-like query', '', `tok=${t}`),
      push('query token with space', '', `access_token=${encodeURIComponent(`${t} `)}`),
      push('alg none', `Bearer ${jwts.none}`),
      push('HS256 signed with the public key', `Bearer ${jwts.hs256}`),
      push('expired JWT', `Bearer ${jwts.expired}`),
      push('JWT of another issuer', `Bearer ${jwts.wrongIssuer}`),
      push('JWT for another audience', `Bearer ${jwts.wrongAudience}`),
      push('JWT not valid yet', `Bearer ${jwts.notYet}`),
    ),
    fc.string({ minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== t && !s.includes(t)).map((s) => push('random token', `Bearer ${s.replace(/[\r\n]/g, '')}`)),
    fc.string({ minLength: 10, maxLength: 120 }).map((s) => push('random JWT-shaped token', `Bearer ${b64url({ alg: 'RS256', kid: 'k1' })}.${Buffer.from(s).toString('base64url')}.${Buffer.from(s).toString('base64url')}`)),
  );
  const bodyDefects = fc.oneof(
    fc.constantFrom('{', 'activities=1', '[]', 'null', '{"munchkinId":"x"}', '{"activities":{}}', '{"activities":"many"}').map((s) => push(`push body ${s}`, `Bearer ${t}`, '', Buffer.from(s), 400)),
    fc.integer({ min: 1024 * 1024 + 1, max: 1024 * 1024 + 10_000 }).map((n) => push(`push of ${n} bytes`, `Bearer ${t}`, '', Buffer.alloc(n, 0x20), 413)),
  );
  return fc.sample(fc.oneof({ arbitrary: tokenTricks, weight: 4 }, { arbitrary: bodyDefects, weight: 1 }), { numRuns: count, seed });
}
