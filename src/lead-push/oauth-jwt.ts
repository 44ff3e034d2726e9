/**
 * OAuth2 client-credentials access tokens as JWTs, checked with `jose` against
 * the customer's IdP: signature through the IdP's JWKS (cached, refetched on an
 * unknown `kid` at most every few seconds), issuer, audience when configured, exp/nbf with clock skew.
 * Only asymmetric algorithms are allowed, so `alg: none` and HS256 signed with
 * the public key are refused.
 *
 * The fetched key set is kept across containers through jose's own `jwksCache`
 * option, in the relay's shared store when one is given (aio-lib-state or
 * Redis): a cold container verifies without a JWKS fetch.
 */
import { createHash } from 'node:crypto';
import type * as Errors from 'jose/errors';
import type * as JwtVerify from 'jose/jwt/verify';
import type * as Remote from 'jose/jwks/remote';
import type { ExportedJWKSCache } from 'jose/jwks/remote';
import { boundedFetch } from '../http/bounded-fetch';
import { invalid, unavailable, type TokenVerdict } from './verdict';

type Jose = typeof Errors & typeof JwtVerify & typeof Remote;
/**
 * jose is loaded on the first token check (a push with a static token never
 * parses it), and only its three subpaths used here: the whole namespace is a
 * chunk about 2.5 times larger.
 */
let jose: Promise<Jose> | undefined;
const loadJose = (): Promise<Jose> =>
  (jose ??= Promise.all([import('jose/errors'), import('jose/jwt/verify'), import('jose/jwks/remote')]).then(([e, v, r]) => ({ ...e, ...v, ...r })));

/** The relay's shared store, as the JWKS cache needs it. */
export interface SharedJwksStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
}

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface JwtOptions {
  jwksUrl: string;
  issuer?: string;
  audience?: string;
  clockSkewSeconds: number;
  timeoutMs: number;
  algorithms?: string[];
  /** an unknown kid refetches the JWKS at most this often (default 5000 ms; bounds IdP load from forged kids) */
  cooldownMs?: number;
  /** keeps the fetched key set across containers */
  shared?: SharedJwksStore;
}

const CACHE_MAX_AGE_MS = 10 * 60_000;
/** a key set of a few keys is a few KB; more is not read (jose bounds its time, not its size) */
const MAX_JWKS_BYTES = 256 * 1024;

function verdictOf(err: unknown, errors: typeof Errors): TokenVerdict {
  if (err instanceof errors.JWTExpired) return invalid('token_expired', 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return invalid('token_not_yet_valid', 'the token is not valid yet');
    if (err.claim === 'iss') return invalid('issuer_mismatch', 'the token was issued by another issuer');
    if (err.claim === 'aud') return invalid('audience_mismatch', 'the token is meant for another audience');
    return invalid('token_claims_invalid', `the token's ${err.claim} claim is not acceptable`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid('alg_not_allowed', 'the token algorithm is not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('signature_invalid', 'the token signature does not verify');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return invalid('key_unknown', 'no key of the IdP matches the token');
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return unavailable('the IdP key set could not be fetched');
  if (err instanceof errors.JOSENotSupported) return invalid('alg_not_allowed', 'the token algorithm is not supported');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return invalid('token_malformed', 'the token is not a well-formed JWT');
  // jose's JWKS fetch: non-200 or unparseable answer
  if (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC') return unavailable('the IdP key set could not be fetched');
  if (err instanceof errors.JOSEError) return invalid('token_invalid', 'the token was refused');
  // fetch failures (connection refused, DNS, non-2xx) surface as plain errors
  return unavailable('the IdP key set could not be fetched');
}

export function createJwtVerifier(o: JwtOptions): (token: string) => Promise<TokenVerdict> {
  const sharedKey = `jwks.${createHash('sha256').update(o.jwksUrl).digest('base64url').slice(0, 22)}`;
  // jose reads and updates this object: seeded from the shared store, written back after a fetch
  let cache: ExportedJWKSCache | Record<string, never> = {};
  let jwks: Promise<Remote.RemoteJWKSet> | undefined;

  async function seed(j: Jose): Promise<Remote.RemoteJWKSet> {
    try {
      const text = o.shared ? await o.shared.get(sharedKey) : undefined;
      const parsed = text ? (JSON.parse(text) as ExportedJWKSCache) : undefined;
      if (parsed && Array.isArray(parsed.jwks?.keys) && typeof parsed.uat === 'number') cache = parsed;
    } catch {
      // the shared copy is an optimisation; the IdP is the source
    }
    return j.createRemoteJWKSet(new URL(o.jwksUrl), { timeoutDuration: o.timeoutMs, cooldownDuration: o.cooldownMs ?? 5000, cacheMaxAge: CACHE_MAX_AGE_MS, [j.jwksCache]: cache, [j.customFetch]: boundedFetch(fetch, MAX_JWKS_BYTES) });
  }

  return async (token) => {
    const j = await loadJose();
    const keySet = await (jwks ??= seed(j));
    const before = 'uat' in cache ? cache.uat : undefined;
    try {
      const { payload } = await j.jwtVerify(token, keySet, {
        algorithms: o.algorithms ?? ASYMMETRIC_ALGORITHMS,
        ...(o.issuer ? { issuer: o.issuer } : {}),
        ...(o.audience ? { audience: o.audience } : {}),
        clockTolerance: o.clockSkewSeconds,
        requiredClaims: ['exp'],
      });
      return { ok: true, subject: payload.sub, clientId: (payload.client_id ?? payload.azp ?? payload.cid) as string | undefined, expiresAt: payload.exp };
    } catch (err) {
      return verdictOf(err, j);
    } finally {
      if (o.shared && 'uat' in cache && cache.uat !== before) {
        o.shared.put(sharedKey, JSON.stringify(cache), Math.ceil(CACHE_MAX_AGE_MS / 1000)).catch(() => undefined);
      }
    }
  };
}
