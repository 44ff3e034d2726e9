/**
 * Who calls the operator console. The console's actions are deployed with
 * `require-adobe-auth: true`: Adobe's gateway runs its IMS validator before the
 * action and lets only a valid IMS user token through, so the action does not
 * check the token again. What the validator does not check is *whose* org the
 * user acted in: the browser sends it as `x-gw-ims-org-id` (the Experience
 * Cloud shell's `imsOrg`), and it must be the app's own — the org of the
 * workspace credential (`include-ims-credentials`). The user id, for the audit
 * line of every change, is read from the token's claims (never verified here:
 * the gateway did; the token itself is never logged or returned).
 */
export type Caller = { ok: true; who: string; org: string } | { ok: false; status: 401 | 403 | 503; code: string; message: string };

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * The `user_id` (or `sub`) claim of a JWT-shaped token, when it has one. No
 * source on this machine documents which claim of an IMS access token names
 * the user (aio-lib-ims reads only `created_at` / `expires_in` from it), so both
 * are tried; a token with neither is logged as `unknown-user`.
 */
function userOf(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    const id = claims.user_id ?? claims.sub;
    return typeof id === 'string' && id.length <= 200 ? id : undefined;
  } catch {
    return undefined;
  }
}

export function identifyCaller(headers: Record<string, string>, appOrg: string | undefined): Caller {
  if (!appOrg) {
    return { ok: false, status: 503, code: 'console_org_unknown', message: "the app's IMS org is unknown: deploy the console action with include-ims-credentials: true (aio app use writes IMS_OAUTH_S2S_ORG_ID)" };
  }
  const token = BEARER.exec(headers.authorization ?? '')?.[1];
  if (!token) return { ok: false, status: 401, code: 'unauthenticated', message: 'the console needs an IMS user token (Authorization: Bearer …)' };
  const org = (headers['x-gw-ims-org-id'] ?? '').trim();
  if (!org) return { ok: false, status: 403, code: 'org_missing', message: 'send the IMS org the user works in as x-gw-ims-org-id' };
  if (org !== appOrg) return { ok: false, status: 403, code: 'org_mismatch', message: "the caller's IMS org is not the org this app is deployed in" };
  return { ok: true, who: userOf(token) ?? 'unknown-user', org };
}
