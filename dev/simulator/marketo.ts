/**
 * A simulated Marketo: development signing keys served like Adobe's key host,
 * an OAuth IdP whose client-credentials tokens it fetches and caches, and a
 * sender that drives the local runtime with a TrafficPlan.
 */
import type { Stream } from '../../src/envelope/envelope';
import { startTestIdp, type TestIdp } from '../traffic/idp';
import { TrafficPlan, type PlannedRequest } from '../traffic/plan';
import { seeded } from '../traffic/rng';
import { generateSigningKey, startKeyServer, type KeyServer, type SigningKey } from '../traffic/signing';
import type { Answer } from './tally';

export const SIM_CLIENT_ID = 'marketo-stream-relay-local';
export const SIM_PUSH_TOKEN = 'local-dev-token';

export interface SimulatedMarketo {
  keys: [SigningKey, SigningKey];
  keyServer: KeyServer;
  idp: TestIdp;
  plan: TrafficPlan;
  /** the env the relay needs to trust this Marketo */
  relayEnv: Record<string, string>;
  send(baseUrl: string, req: PlannedRequest): Promise<Answer>;
  close(): Promise<void>;
}

/** Marketo's side of OAuth2 client credentials: fetch a token, cache it until shortly before expiry. */
function tokenSource(idp: TestIdp): () => Promise<string> {
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    const res = await fetch(idp.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('marketo:marketo-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const t = (await res.json()) as { access_token: string; expires_in: number };
    cached = { token: t.access_token, until: Date.now() + (t.expires_in - 30) * 1000 };
    return t.access_token;
  };
}

export async function startSimulatedMarketo(o: { streams: readonly Stream[]; seed?: number; pushSize?: [number, number] }): Promise<SimulatedMarketo> {
  const keys: [SigningKey, SigningKey] = [generateSigningKey(), generateSigningKey()];
  const keyServer = await startKeyServer(keys);
  const idp = await startTestIdp();
  const plan = new TrafficPlan(seeded(o.seed ?? Date.now() % 100000), { clientId: SIM_CLIENT_ID, keys, pushToken: SIM_PUSH_TOKEN, oauthToken: tokenSource(idp), expiredToken: () => idp.mint({}, { expiresIn: Math.floor(Date.now() / 1000) - 600 }), streams: o.streams, pushSize: o.pushSize });
  return {
    keys,
    keyServer,
    idp,
    plan,
    relayEnv: {
      EVENTS_CLIENT_ID: SIM_CLIENT_ID,
      EVENTS_PUBLIC_KEY_BASE_URL: keyServer.baseUrl,
      LEAD_ACTIVITY_TOKENS: SIM_PUSH_TOKEN,
      LEAD_ACTIVITY_OAUTH_JWKS_URL: idp.jwksUrl,
      LEAD_ACTIVITY_OAUTH_ISSUER: idp.issuer,
      LEAD_ACTIVITY_OAUTH_AUDIENCE: 'marketo-stream-relay',
    },
    async send(baseUrl, req) {
      const url = `${baseUrl}/api/v1/web/marketo-stream-relay/${req.action}${req.query ? `?${req.query}` : ''}`;
      const res = await fetch(url, { method: req.method, headers: req.headers, body: req.method === 'POST' ? req.body : undefined });
      const text = await res.text();
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { text };
      }
      return { status: res.status, body };
    },
    async close() {
      await Promise.all([keyServer.close(), idp.close()]);
    },
  };
}
