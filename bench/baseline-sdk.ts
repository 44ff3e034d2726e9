/**
 * The baseline: Adobe's own SDK path. `@adobe/aio-lib-events` verifies a
 * delivery by reading both public keys through `@adobe/aio-lib-state` (a remote
 * store in Runtime), fetching a key with node-fetch on a miss, parsing the PEM
 * and verifying. Offline that cannot run as-is, so at module load:
 *  - node-fetch is redirected from https://static.adobeioevents.com to the local key server;
 *  - aio-lib-state is replaced by a store that answers either from memory (the
 *    cheapest a state read can be) or over loopback HTTP (a remote store at its
 *    fastest) — both variants are reported.
 * The public `verifyDigitalSignatureForEvent` refuses arrays (it reads only
 * `recipient_client_id` of one object), so batches go through the function it
 * calls after that check, `signatureUtils.verifyDigitalSignature`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Module from 'node:module';

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Load };

export interface BaselineVerifier {
  verify(rawBody: string, headers: Record<string, string>, clientId: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function loadBaseline(keyServerUrl: string, stateMode: 'memory' | 'http'): Promise<BaselineVerifier> {
  const data = new Map<string, string>();
  let server: http.Server | undefined;
  let stateUrl = '';
  if (stateMode === 'http') {
    server = http.createServer((req, res) => {
      const key = decodeURIComponent((req.url ?? '').slice(1));
      if (req.method === 'PUT') {
        let b = '';
        req.on('data', (c) => (b += c));
        req.on('end', () => (data.set(key, b), res.writeHead(200).end()));
      } else if (data.has(key)) res.writeHead(200).end(data.get(key));
      else res.writeHead(404).end();
    });
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((r) => (server as http.Server).listen(0, '127.0.0.1', r));
    stateUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }
  const agent = new http.Agent({ keepAlive: true });
  const httpGet = (url: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method, agent }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const state = {
    init: async () => ({
      get: async (k: string) => {
        if (stateMode === 'memory') return data.has(k) ? { value: data.get(k) } : undefined;
        const r = await httpGet(stateUrl + encodeURIComponent(k));
        return r.status === 200 ? { value: r.text } : undefined;
      },
      put: async (k: string, v: string) => {
        if (stateMode === 'memory') data.set(k, v);
        else await httpGet(stateUrl + encodeURIComponent(k), 'PUT', v);
        return k;
      },
    }),
  };
  const nodeFetch = async (url: string) => {
    const r = await httpGet(url.replace('https://static.adobeioevents.com', keyServerUrl));
    return { ok: r.status === 200, status: r.status, text: async () => r.text };
  };
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    if (request === '@adobe/aio-lib-state') return state;
    if (request === 'node-fetch') return Object.assign(nodeFetch, { default: nodeFetch });
    return original.call(this, request, parent, isMain);
  };
  const path = require.resolve('@adobe/aio-lib-events/src/signatureUtils.js');
  delete require.cache[path];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const utils = (require(path) as { exportFunctions: { verifyDigitalSignature(o: object, id: string, raw: string): Promise<boolean | undefined> } }).exportFunctions;
  mod._load = original;
  return {
    verify: async (raw, h, clientId) =>
      Boolean(
        await utils.verifyDigitalSignature(
          { digiSignature1: h['x-adobe-digital-signature-1'], digiSignature2: h['x-adobe-digital-signature-2'], publicKeyPath1: h['x-adobe-public-key1-path'], publicKeyPath2: h['x-adobe-public-key2-path'] },
          clientId,
          raw,
        ),
      ),
    close: async () => {
      agent.destroy();
      if (server) await new Promise<void>((r) => (server as http.Server).close(() => r()));
    },
  };
}
