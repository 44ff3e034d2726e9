/**
 * A local fake of Adobe IMS (client credentials, `/ims/token/v2` as
 * @adobe/aio-lib-core-auth calls it) and the I/O Events management API's
 * registration reads. aio-lib-core-auth has IMS's hosts built in, so
 * `routeImsTo` sends its fetches for them to this fake instead (the network
 * boundary); everything else goes through untouched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIoManagement {
  url: string;
  tokenRequests: number;
  registrations: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export const FAKE_TOKEN = 'ims-access-token-abcdefghijklmnopqrstuvwxyz';

export interface FakeCredential {
  clientId: string;
  clientSecret: string;
  orgId: string;
}

export async function startFakeIoManagement(o: FakeCredential): Promise<FakeIoManagement> {
  const fake = { tokenRequests: 0, registrations: new Map<string, Record<string, unknown>>() } as FakeIoManagement;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (req.method === 'POST' && req.url === '/ims/token/v2') {
        fake.tokenRequests++;
        const f = new URLSearchParams(body);
        if (f.get('grant_type') !== 'client_credentials' || f.get('client_id') !== o.clientId || f.get('client_secret') !== o.clientSecret || f.get('org_id') !== o.orgId) {
          return send(401, { error: 'invalid_client', error_description: 'invalid client credentials' });
        }
        return send(200, { access_token: FAKE_TOKEN, token_type: 'bearer', expires_in: 86399 });
      }
      const m = /^\/events\/([^/]+)\/([^/]+)\/([^/]+)\/registrations\/([^/?]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && m) {
        if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}` || req.headers['x-api-key'] !== o.clientId || req.headers['x-ims-org-id'] !== o.orgId) return send(401, { error: 'unauthorized' });
        const reg = fake.registrations.get(m[4]);
        return reg ? send(200, reg) : send(404, { error: 'not found' });
      }
      send(404, { error: 'no route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}

/** IMS's production and stage hosts, as @adobe/aio-lib-core-auth has them (src/ims.js). */
const IMS_HOSTS = ['https://ims-na1.adobelogin.com', 'https://ims-na1-stg1.adobelogin.com'];

/** Sends global fetches to IMS's hosts to `url` until the returned function is called; counts them per host. */
export function routeImsTo(url: string): { restore(): void; hosts: string[] } {
  const original = globalThis.fetch;
  const hosts: string[] = [];
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const host = IMS_HOSTS.find((h) => target.startsWith(`${h}/`));
    if (!host) return original(input, init);
    hosts.push(host);
    return original(url + target.slice(host.length), init);
  }) as typeof fetch;
  return { hosts, restore: () => void (globalThis.fetch = original) };
}
