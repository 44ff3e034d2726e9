/**
 * The workspace's OAuth server-to-server credential the App Builder way: deploy
 * gives an action annotated `include-ims-credentials: true` the input
 * `__ims_oauth_s2s` ({ client_id, client_secret, org_id, scopes }, from the
 * IMS_OAUTH_S2S_* variables `aio app use` writes to .env) and `__ims_env`;
 * `@adobe/aio-lib-core-auth` exchanges it for an access token (and caches it).
 * No client secret is a hand-passed input, and neither the secret nor the token
 * is ever logged.
 */
import type { TokenParams } from '@adobe/aio-lib-core-auth';

export const IMS_CREDENTIAL_INPUT = '__ims_oauth_s2s';
export const IMS_ENV_INPUT = '__ims_env';

export interface ImsCredential {
  clientId: string;
  clientSecret: string;
  orgId: string;
  scopes: string[];
  /** 'prod' or 'stage'; unset: the library decides from the namespace */
  env?: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** The IMS org of the workspace credential (the app's own org), whether or not the rest of it is there. */
export function imsOrgOf(params: Record<string, unknown>): string | undefined {
  const c = params[IMS_CREDENTIAL_INPUT];
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return undefined;
  return text((c as Record<string, unknown>).org_id) || undefined;
}

/** The credential the annotation handed to this activation, or undefined when it is missing or incomplete. */
export function imsCredential(params: Record<string, unknown>): ImsCredential | undefined {
  const c = params[IMS_CREDENTIAL_INPUT];
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return undefined;
  const raw = c as Record<string, unknown>;
  const clientId = text(raw.client_id);
  const clientSecret = text(raw.client_secret);
  const orgId = text(raw.org_id);
  if (!clientId || !clientSecret || !orgId) return undefined;
  // deploy JSON-parses IMS_OAUTH_S2S_SCOPES; a value that is not JSON arrives as the plain string
  const scopes = Array.isArray(raw.scopes) ? raw.scopes.map(String) : text(raw.scopes).split(',').map((s) => s.trim()).filter(Boolean);
  const env = text(params[IMS_ENV_INPUT]);
  return { clientId, clientSecret, orgId, scopes, ...(env ? { env } : {}) };
}

/** What a failed token request says: the library's message, never its details (they name the client). */
export class ImsTokenError extends Error {
  override name = 'ImsTokenError';
}

/**
 * An IMS access token for the credential, from aio-lib-core-auth (which caches
 * it for 5 minutes per credential). Waits at most `timeoutMs`.
 */
export async function imsAccessToken(c: ImsCredential, timeoutMs = 5000): Promise<string> {
  const { generateAccessToken } = await import('@adobe/aio-lib-core-auth');
  // the library reads the IMS environment from `__ims_env` beside the credential
  const request = { clientId: c.clientId, clientSecret: c.clientSecret, orgId: c.orgId, scopes: c.scopes, [IMS_ENV_INPUT]: c.env } as TokenParams;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ImsTokenError(`IMS did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const token = await Promise.race([generateAccessToken(request), timeout]);
    if (!token?.access_token) throw new ImsTokenError('IMS answered without an access token');
    return token.access_token;
  } catch (err) {
    if (err instanceof ImsTokenError) throw err;
    throw new ImsTokenError(`IMS token request failed: ${String((err as Error).message ?? err).split('\n')[0].slice(0, 200)}`);
  } finally {
    clearTimeout(timer);
  }
}
