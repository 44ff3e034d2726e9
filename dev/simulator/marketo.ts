/**
 * A simulated Marketo (and the Adobe I/O Events that carries its streams):
 * development signing keys served like Adobe's key host, the local OAuth IdP
 * whose client-credentials token it fetches and caches, a Marketo REST stand-in
 * serving each simulated instance's activity catalog (custom activity 100001
 * "Attended Booth", 100002 "Purchased Product"), and a sender that
 * drives the relay with a TrafficPlan and waits as long as the real senders
 * do (Adobe 10 s, Marketo's push 20 s).
 */
import { randomInt } from 'node:crypto';
import type { Stream } from '../../src/envelope/envelope';
import { clientCredentials, startLocalIdp, type LocalIdp, type TokenSource } from '../idp';
import { MUNCHKIN_IDS } from '../traffic/events';
import { startMarketoRestStandIn, type MarketoRestStandIn } from '../traffic/marketo-rest';
import { TrafficPlan, type PlanContext, type PlannedRequest } from '../traffic/plan';
import { seeded } from '../traffic/rng';
import { generateSigningKey, startKeyServer, type KeyServer, type SigningKey } from '../traffic/signing';
import type { Answer } from './tally';

export const SIM_CLIENT_ID = 'marketo-stream-relay-local';
export const SIM_PUSH_TOKEN = 'local-dev-token';
export const WEB_PATH = '/api/v1/web/marketo-stream-relay';

export interface SimulatedMarketoOptions {
  streams: readonly Stream[];
  /** traffic seed (default random) */
  seed?: number;
  pushSize?: [number, number];
  mix?: PlanContext['mix'];
  /** wait like the real senders (default true); false: wait for every answer */
  timeouts?: boolean;
}

export interface SimulatedMarketo {
  seed: number;
  keys: [SigningKey, SigningKey];
  keyServer: KeyServer;
  idp: LocalIdp;
  /** the instances' REST API (Identity + activity types), for the activity catalog */
  rest: MarketoRestStandIn;
  /** Marketo's cached client-credentials token */
  oauthToken: TokenSource;
  plan: TrafficPlan;
  /** the env the relay needs to trust this Marketo */
  relayEnv: Record<string, string>;
  send(baseUrl: string, req: PlannedRequest): Promise<Answer>;
  close(): Promise<void>;
}

async function send(baseUrl: string, req: PlannedRequest, timeouts: boolean): Promise<Answer> {
  const url = `${baseUrl}${WEB_PATH}/${req.action}${req.query ? `?${req.query}` : ''}`;
  const timeoutMs = req.headers['x-adobe-delivery-id'] ? 10_000 : 20_000;
  try {
    const res = await fetch(url, { method: req.method, headers: req.headers, body: req.method === 'POST' ? req.body : undefined, signal: timeouts ? AbortSignal.timeout(timeoutMs) : undefined });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { status: res.status, body: { text } };
    }
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: 0, body: { error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.message) } };
  }
}

export async function startSimulatedMarketo(o: SimulatedMarketoOptions): Promise<SimulatedMarketo> {
  const seed = o.seed ?? randomInt(2 ** 31);
  const keys: [SigningKey, SigningKey] = [generateSigningKey(), generateSigningKey()];
  const keyServer = await startKeyServer(keys);
  const idp = await startLocalIdp();
  const rest = await startMarketoRestStandIn(MUNCHKIN_IDS.map((munchkinId) => ({ munchkinId })));
  const oauthToken = clientCredentials(idp.marketo);
  const expiredToken = (): Promise<string> => idp.idp.mint({}, { exp: Math.floor(Date.now() / 1000) - 600 });
  const plan = new TrafficPlan(seeded(seed), { clientId: SIM_CLIENT_ID, keys, pushToken: SIM_PUSH_TOKEN, oauthToken, expiredToken, streams: o.streams, pushSize: o.pushSize, mix: o.mix });
  return {
    seed,
    keys,
    keyServer,
    idp,
    rest,
    oauthToken,
    plan,
    relayEnv: {
      EVENTS_CLIENT_ID: SIM_CLIENT_ID,
      EVENTS_PUBLIC_KEY_BASE_URL: keyServer.baseUrl,
      LEAD_ACTIVITY_TOKENS: SIM_PUSH_TOKEN,
      ...idp.relayEnv,
      MARKETO_INSTANCES: rest.instancesJson(),
    },
    send: (baseUrl, req) => send(baseUrl, req, o.timeouts ?? true),
    close: async () => void (await Promise.all([keyServer.close(), idp.close(), rest.close()])),
  };
}
