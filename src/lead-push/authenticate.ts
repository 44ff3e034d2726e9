/**
 * Authenticates a legacy Lead Activity push: a static token, else a JWT checked
 * against the IdP's JWKS, else RFC 7662 introspection. Every failure is 401
 * with `WWW-Authenticate: Bearer`; an unreachable IdP is 503 (Marketo retries),
 * never 401 and never 200. The token itself is never logged nor echoed.
 */
import { rejected, retryLater, ok, stop, type Step } from '../outcome';
import { extractPushToken, matchesStaticToken } from './static-token';
import type { TokenVerdict } from './verdict';

export interface PushAuth {
  tokens: readonly string[];
  jwt?: (token: string) => Promise<TokenVerdict>;
  introspect?: (token: string) => Promise<TokenVerdict>;
}

export interface PushIdentity {
  method: 'static-token' | 'jwt' | 'introspection';
  place: string;
  subject?: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const CHALLENGE = 'Bearer realm="marketo-stream-relay"';

const unauthorized = (code: string, message: string, invalidToken = true) =>
  rejected(401, code, message, { 'WWW-Authenticate': invalidToken ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE });

export const describePushAuth = (a: PushAuth): string[] => [
  ...(a.tokens.length ? [`static-token(${a.tokens.length})`] : []),
  ...(a.jwt ? ['jwt'] : []),
  ...(a.introspect ? ['introspection'] : []),
];

export const pushAuthWarning = (a: PushAuth): string | undefined =>
  describePushAuth(a).length === 0
    ? 'lead-activity push authentication is not configured: every push is answered 401. Set LEAD_ACTIVITY_TOKENS, or LEAD_ACTIVITY_OAUTH_JWKS_URL + LEAD_ACTIVITY_OAUTH_ISSUER, or LEAD_ACTIVITY_OAUTH_INTROSPECTION_URL + client id/secret.'
    : undefined;

function fromVerdict(v: TokenVerdict, method: PushIdentity['method'], place: string): Step<PushIdentity> {
  if (v.ok) return ok({ method, place, ...(v.subject ? { subject: v.subject } : {}) });
  if (v.reason === 'unavailable') return stop(retryLater('idp_unavailable', 'the identity provider could not be reached; retry later', 30));
  return stop(unauthorized(v.code, v.message));
}

export async function authenticatePush(req: { headers: Record<string, string>; query: URLSearchParams }, auth: PushAuth): Promise<Step<PushIdentity>> {
  if (describePushAuth(auth).length === 0) {
    return stop(unauthorized('auth_not_configured', 'push authentication is not configured on this relay (LEAD_ACTIVITY_TOKENS or LEAD_ACTIVITY_OAUTH_*)', false));
  }
  const credential = extractPushToken(req.headers, req.query);
  if (!credential) return stop(unauthorized('token_missing', 'a token is required: Authorization: Bearer <token>', false));
  if (auth.tokens.length && matchesStaticToken(credential.token, auth.tokens)) return ok({ method: 'static-token', place: credential.place });
  if (auth.jwt && JWT_SHAPE.test(credential.token)) return fromVerdict(await auth.jwt(credential.token), 'jwt', credential.place);
  if (auth.introspect) return fromVerdict(await auth.introspect(credential.token), 'introspection', credential.place);
  return stop(unauthorized('token_invalid', 'the token is not valid'));
}
