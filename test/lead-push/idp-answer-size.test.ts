/**
 * The IdP calls of the legacy push's OAuth checks (RFC 7662 introspection, the
 * JWKS) read a bounded answer: an IdP that sends a body without end is cut off
 * at the size bound, well before the call's deadline, and the answer is
 * `unavailable` (503, Marketo retries) — never a container filled with it.
 * Real HTTP hosts on loopback record how much they sent before the client hung up.
 */
import { createIntrospector } from '../../src/lead-push/introspection';
import { createJwtVerifier } from '../../src/lead-push/oauth-jwt';
import { dribblingHost, waitFor, type Host } from '../support/dribbling-host';

let host: Host | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** 16 KiB every millisecond, without end: ≈ 16 MB a second when read */
const endless = () => dribblingHost({ plan: Infinity, chunk: 16 * 1024, everyMs: 1 });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

it('introspection: an endless answer is cut off at 64 KiB, not read until the deadline (unavailable)', async () => {
  host = await endless();
  const introspect = createIntrospector({ url: `${host.url}/introspect`, clientId: 'c', clientSecret: 's', timeoutMs: 3000 });
  expect(await introspect('opaque-token')).toMatchObject({ ok: false, reason: 'unavailable' });
  await waitFor(() => host!.served[0]?.cutOff);
  // before: read for the whole 3 s deadline, tens of megabytes
  expect(host.served[0]).toEqual({ sent: expect.any(Number), cutOff: true });
  expect(host.served[0].sent).toBeLessThan(1024 * 1024);
});

it('JWKS: an endless key set is cut off at 256 KiB, not read until the deadline (unavailable)', async () => {
  host = await endless();
  const verify = createJwtVerifier({ jwksUrl: `${host.url}/jwks`, issuer: 'https://idp.example', clockSkewSeconds: 0, timeoutMs: 3000 });
  const token = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'https://idp.example', exp: Math.floor(Date.now() / 1000) + 60 })}.c2ln`;
  expect(await verify(token)).toMatchObject({ ok: false, reason: 'unavailable' });
  await waitFor(() => host!.served[0]?.cutOff);
  expect(host.served[0]).toEqual({ sent: expect.any(Number), cutOff: true });
  expect(host.served[0].sent).toBeLessThan(2 * 1024 * 1024);
});
