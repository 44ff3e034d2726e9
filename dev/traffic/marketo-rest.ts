/**
 * A local Marketo REST stand-in: the Identity endpoint and the activity-type catalog of
 * one or more instances, as AdobeDocs/marketo-developer.en (commit aeb0d5a176ffdd0910ee533353593bba95f91d08) documents them —
 * help/rest-api/authentication.md (`GET /identity/oauth/token?grant_type=client_credentials&
 * client_id=…&client_secret=…` → `{ access_token, token_type: "bearer", expires_in: 3599, scope }`,
 * 401 for wrong credentials), help/rest-api/activities.md (`GET /rest/v1/activities/types.json`
 * → `{ requestId, success: true, result: [...] }`) and help/rest-api/error-codes.md (failures as
 * HTTP 200 `{ success: false, errors: [{ code, message }] }`: 601 token invalid, 602 expired,
 * 606 rate limit, 607 daily quota). Instance `m` lives under `/<m>/identity` and `/<m>/rest`.
 * Used by `npm start`, the tests and the benchmarks; faults are queued per instance.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CUSTOM_ACTIVITY_TYPES } from './events';

/** A few standard types as an instance lists them (help/rest-api/activities.md's "Fill Out Form", and the simulator's others). */
export const STANDARD_CATALOG = [
  { id: 1, name: 'Visit Webpage', primaryAttribute: { name: 'Webpage ID', dataType: 'integer' }, attributes: [{ name: 'Client IP Address', dataType: 'string' }, { name: 'Query Parameters', dataType: 'string' }, { name: 'Referrer URL', dataType: 'string' }, { name: 'User Agent', dataType: 'string' }, { name: 'Webpage URL', dataType: 'string' }] },
  { id: 2, name: 'Fill Out Form', description: 'User fills out and submits form on web page', primaryAttribute: { name: 'Webform ID', dataType: 'integer' }, attributes: [{ name: 'Client IP Address', dataType: 'string' }, { name: 'Form Fields', dataType: 'text' }, { name: 'Query Parameters', dataType: 'string' }, { name: 'Referrer URL', dataType: 'string' }, { name: 'User Agent', dataType: 'string' }, { name: 'Webpage ID', dataType: 'integer' }] },
  ...[
    [6, 'Send Email'],
    [7, 'Email Delivered'],
    [10, 'Open Email'],
    [11, 'Click Email'],
  ].map(([id, name]) => ({ id, name, primaryAttribute: { name: 'Mailing ID', dataType: 'integer' }, attributes: [{ name: 'Campaign Run ID', dataType: 'integer' }, { name: 'Client IP Address', dataType: 'string' }, { name: 'User Agent', dataType: 'string' }] })),
  { id: 12, name: 'New Lead', primaryAttribute: { name: 'List ID', dataType: 'integer' }, attributes: [{ name: 'Source Type', dataType: 'string' }] },
  { id: 13, name: 'Change Data Value', primaryAttribute: { name: 'Attribute Name', dataType: 'integer' }, attributes: [{ name: 'New Value', dataType: 'string' }, { name: 'Old Value', dataType: 'string' }, { name: 'Reason', dataType: 'string' }] },
  { id: 22, name: 'Change Score', primaryAttribute: { name: 'Score', dataType: 'integer' }, attributes: [{ name: 'Change Value', dataType: 'string' }, { name: 'New Value', dataType: 'integer' }, { name: 'Old Value', dataType: 'integer' }] },
];

export const SIMULATED_CATALOG = [...STANDARD_CATALOG, ...CUSTOM_ACTIVITY_TYPES];

export type RestFault = '601' | '602' | '606' | '607' | 'down' | 'http500' | 'slow';

export interface StandInInstance {
  munchkinId: string;
  clientId: string;
  clientSecret: string;
  /** the catalog it serves (changeable) */
  types: unknown[];
}

export interface MarketoRestStandIn {
  url: string;
  /** MARKETO_* for one instance */
  envFor(munchkinId: string): Record<string, string>;
  /** MARKETO_INSTANCES for every instance */
  instancesJson(): string;
  instance(munchkinId: string): StandInInstance;
  /** the next `count` catalog calls of this instance answer with `fault` */
  fail(munchkinId: string, fault: RestFault, count?: number): void;
  /** every token issued so far becomes invalid (601 on its next use) */
  revokeTokens(): void;
  calls: { identity: number; types: number; byMunchkin: Record<string, { identity: number; types: number }> };
  /** every request's URL and authorization header, for tests that check what was sent */
  requests: { url: string; authorization?: string }[];
  close(): Promise<void>;
}

export async function startMarketoRestStandIn(instances: { munchkinId: string; clientId?: string; clientSecret?: string; types?: unknown[] }[], o: { tokenTtlSeconds?: number; host?: string } = {}): Promise<MarketoRestStandIn> {
  const byId = new Map<string, StandInInstance>(instances.map((i) => [i.munchkinId, { munchkinId: i.munchkinId, clientId: i.clientId ?? `client-${i.munchkinId}`, clientSecret: i.clientSecret ?? `secret-${i.munchkinId}`, types: i.types ?? SIMULATED_CATALOG }]));
  const faults = new Map<string, RestFault[]>();
  const tokens = new Map<string, { munchkinId: string; until: number }>();
  const calls: MarketoRestStandIn['calls'] = { identity: 0, types: 0, byMunchkin: {} };
  const requests: MarketoRestStandIn['requests'] = [];
  const sockets = new Set<import('node:net').Socket>();
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, code: string, message: string) => json(res, 200, { requestId: randomUUID().slice(0, 12), success: false, errors: [{ code, message }] });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push({ url: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    const [, munchkinId, api, ...rest] = url.pathname.split('/');
    const inst = byId.get(munchkinId);
    if (!inst) return json(res, 404, { error: 'no such instance' });
    const counts = (calls.byMunchkin[munchkinId] ??= { identity: 0, types: 0 });
    if (api === 'identity' && rest.join('/') === 'oauth/token') {
      calls.identity++;
      counts.identity++;
      if (faults.get(munchkinId)?.[0] === 'down') {
        faults.get(munchkinId)?.shift();
        return void req.socket.destroy();
      }
      const q = url.searchParams;
      if (q.get('grant_type') !== 'client_credentials' || q.get('client_id') !== inst.clientId || q.get('client_secret') !== inst.clientSecret) {
        return json(res, 401, { error: 'unauthorized', error_description: 'Bad client credentials' });
      }
      const token = `${randomUUID()}:ab`;
      const ttl = o.tokenTtlSeconds ?? 3599;
      tokens.set(token, { munchkinId, until: Date.now() + ttl * 1000 });
      return json(res, 200, { access_token: token, token_type: 'bearer', expires_in: ttl, scope: 'apis@example.com' });
    }
    if (api === 'rest' && rest.join('/') === 'v1/activities/types.json') {
      calls.types++;
      counts.types++;
      const fault = faults.get(munchkinId)?.shift();
      if (fault === 'down') return void req.socket.destroy();
      if (fault === 'http500') return json(res, 500, { error: 'internal' });
      if (fault === '606') return error(res, '606', 'Max rate limit \'100\' exceeded with in \'20\' secs');
      if (fault === '607') return error(res, '607', 'Daily quota reached');
      if (fault === '601' || fault === '602') return error(res, fault, fault === '601' ? 'Access token invalid' : 'Access token expired');
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const t = bearer ? tokens.get(bearer) : undefined;
      if (!bearer) return error(res, '600', 'Access token not specified');
      if (!t || t.munchkinId !== munchkinId) return error(res, '601', 'Access token invalid');
      if (t.until <= Date.now()) return error(res, '602', 'Access token expired');
      const answer = () => json(res, 200, { requestId: randomUUID().slice(0, 12), success: true, result: inst.types });
      return fault === 'slow' ? void setTimeout(answer, 10_000) : answer();
    }
    return json(res, 404, { error: 'not found' });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, o.host ?? '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const envFor = (m: string): Record<string, string> => {
    const i = byId.get(m)!;
    return { MARKETO_MUNCHKIN_ID: m, MARKETO_REST_ENDPOINT: `${url}/${m}/rest`, MARKETO_IDENTITY_ENDPOINT: `${url}/${m}/identity`, MARKETO_CLIENT_ID: i.clientId, MARKETO_CLIENT_SECRET: i.clientSecret };
  };
  return {
    url,
    envFor,
    instancesJson: () => JSON.stringify([...byId.values()].map((i) => ({ munchkinId: i.munchkinId, restEndpoint: `${url}/${i.munchkinId}/rest`, identityEndpoint: `${url}/${i.munchkinId}/identity`, clientId: i.clientId, clientSecret: i.clientSecret }))),
    instance: (m) => byId.get(m)!,
    fail: (m, fault, count = 1) => faults.set(m, [...(faults.get(m) ?? []), ...Array<RestFault>(count).fill(fault)]),
    revokeTokens: () => tokens.clear(),
    calls,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
