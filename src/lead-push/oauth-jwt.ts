/**
 * OAuth2 client-credentials access tokens as JWTs, checked with `jose` against
 * the customer's IdP: signature through the IdP's JWKS (cached, refetched on an
 * unknown `kid` at most every few seconds), issuer, audience when configured, exp/nbf with clock skew.
 * Only asymmetric algorithms are allowed, so `alg: none` and HS256 signed with
 * the public key are refused.
 */
import type * as Jose from 'jose';
import { invalid, unavailable, type TokenVerdict } from './verdict';

/** jose is loaded on the first token check: a push with a static token never parses it. */
let jose: Promise<typeof Jose> | undefined;
const loadJose = (): Promise<typeof Jose> => (jose ??= import('jose'));

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
}

function verdictOf(err: unknown, errors: typeof Jose.errors): TokenVerdict {
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
  let jwks: ReturnType<typeof Jose.createRemoteJWKSet> | undefined;
  return async (token) => {
    const { createRemoteJWKSet, jwtVerify, errors } = await loadJose();
    jwks ??= createRemoteJWKSet(new URL(o.jwksUrl), { timeoutDuration: o.timeoutMs, cooldownDuration: o.cooldownMs ?? 5000, cacheMaxAge: 10 * 60_000 });
    try {
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: o.algorithms ?? ASYMMETRIC_ALGORITHMS,
        ...(o.issuer ? { issuer: o.issuer } : {}),
        ...(o.audience ? { audience: o.audience } : {}),
        clockTolerance: o.clockSkewSeconds,
        requiredClaims: ['exp'],
      });
      return { ok: true, subject: payload.sub, clientId: (payload.client_id ?? payload.azp ?? payload.cid) as string | undefined, expiresAt: payload.exp };
    } catch (err) {
      return verdictOf(err, errors);
    }
  };
}
