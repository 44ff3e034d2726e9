/**
 * The local OAuth2 IdP of `npm start`: what a customer's IdP is to a Lead
 * Activity push. Marketo holds a client id and secret, fetches an access token
 * from `/token` (client credentials), caches it until shortly before it
 * expires and sends it as `Authorization: Bearer`; the relay validates it
 * against `/jwks` (RS256 signature, `iss`, `aud`, `exp`).
 *
 *   npx tsx dev/idp.ts      # on its own: prints the relay env and a sample token
 *
 * The server itself is dev/traffic/idp.ts (shared with the tests).
 */
import { startTestIdp, type TestIdp } from './traffic/idp';

export const MARKETO_CREDENTIALS = { clientId: 'marketo', clientSecret: 'marketo-secret' } as const;
export const RELAY_AUDIENCE = 'marketo-stream-relay';

export interface LocalIdp {
  idp: TestIdp;
  /** what the relay needs to validate this IdP's tokens */
  relayEnv: Record<string, string>;
  /** what Marketo is given when the push is provisioned */
  marketo: { tokenUrl: string; clientId: string; clientSecret: string };
  close(): Promise<void>;
}

export async function startLocalIdp(o: { tokenTtlSeconds?: number } = {}): Promise<LocalIdp> {
  const idp = await startTestIdp({
    marketoClientId: MARKETO_CREDENTIALS.clientId,
    marketoClientSecret: MARKETO_CREDENTIALS.clientSecret,
    audience: RELAY_AUDIENCE,
    tokenTtlSeconds: o.tokenTtlSeconds ?? 600,
  });
  return {
    idp,
    relayEnv: {
      LEAD_ACTIVITY_OAUTH_JWKS_URL: idp.jwksUrl,
      LEAD_ACTIVITY_OAUTH_ISSUER: idp.issuer,
      LEAD_ACTIVITY_OAUTH_AUDIENCE: RELAY_AUDIENCE,
    },
    marketo: { tokenUrl: idp.tokenUrl, ...MARKETO_CREDENTIALS },
    close: () => idp.close(),
  };
}

export interface TokenSource {
  (): Promise<string>;
  /** tokens fetched from the token endpoint so far */
  readonly fetches: number;
}

/**
 * Marketo's side of client credentials: one token fetched and shared by every
 * push until `refreshMarginSeconds` before its `expires_in` runs out;
 * concurrent callers wait for the same fetch.
 */
export function clientCredentials(c: { tokenUrl: string; clientId: string; clientSecret: string; refreshMarginSeconds?: number }): TokenSource {
  let cached: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  let fetches = 0;
  const fetchToken = async (): Promise<string> => {
    fetches++;
    const res = await fetch(c.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !body.access_token) throw new Error(`token endpoint answered ${res.status} ${body.error ?? ''}`.trim());
    const ttl = Number(body.expires_in ?? 300);
    const margin = Math.min(c.refreshMarginSeconds ?? 30, ttl / 10);
    cached = { token: body.access_token, until: Date.now() + (ttl - margin) * 1000 };
    return body.access_token;
  };
  const source = async (): Promise<string> => {
    if (cached && cached.until > Date.now()) return cached.token;
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  };
  return Object.defineProperty(source, 'fetches', { get: () => fetches }) as TokenSource;
}

async function standalone(): Promise<void> {
  const local = await startLocalIdp();
  const token = await clientCredentials(local.marketo)();
  console.log(`local OAuth IdP on ${local.idp.url} (Ctrl-C to stop)\n\nrelay env:`);
  for (const [k, v] of Object.entries(local.relayEnv)) console.log(`  ${k}=${v}`);
  console.log(`\nMarketo's credentials: token URL ${local.marketo.tokenUrl}, client id ${local.marketo.clientId}, secret ${local.marketo.clientSecret}`);
  console.log(`a token (valid 10 min):\n  ${token}`);
  const stop = (): void => void local.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  standalone().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
