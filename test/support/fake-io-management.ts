/** A local fake of Adobe IMS (client credentials) and the I/O Events management API's registration reads. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIoManagement {
  url: string;
  tokenRequests: number;
  registrations: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export const FAKE_TOKEN = 'ims-access-token-abcdefghijklmnopqrstuvwxyz';

export async function startFakeIoManagement(o: { clientId: string; clientSecret: string }): Promise<FakeIoManagement> {
  const fake = { tokenRequests: 0, registrations: new Map<string, Record<string, unknown>>() } as FakeIoManagement;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (req.method === 'POST' && req.url === '/ims/token/v3') {
        fake.tokenRequests++;
        const f = new URLSearchParams(body);
        if (f.get('grant_type') !== 'client_credentials' || f.get('client_id') !== o.clientId || f.get('client_secret') !== o.clientSecret) return send(401, { error: 'invalid_client' });
        return send(200, { access_token: FAKE_TOKEN, token_type: 'bearer', expires_in: 86399 });
      }
      const m = /^\/events\/([^/]+)\/([^/]+)\/([^/]+)\/registrations\/([^/?]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && m) {
        if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}` || req.headers['x-api-key'] !== o.clientId) return send(401, { error: 'unauthorized' });
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
