/**
 * Adobe-style signing for simulated deliveries: a development RSA key pair per
 * slot, published at /prod/keys/pub-key-<id>.pem by a local key server, and
 * x-adobe-digital-signature-1/2 = base64 RSA-SHA256 over the exact body bytes.
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  path: string;
}

/** An RSA signing key (2048 bits like Adobe's; tests that sign thousands of bodies may use 1024). */
export function generateSigningKey(modulusLength = 2048): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), path: `/prod/keys/pub-key-${randomUUID()}.pem` };
}

export const signBody = (body: Buffer | string, key: SigningKey): string =>
  sign('sha256', Buffer.isBuffer(body) ? body : Buffer.from(body), key.privateKey).toString('base64');

export interface DeliveryHeadersOptions {
  eventId?: string;
  deliveryId?: string;
  retryCount?: number;
  eventCode?: string;
  contentType?: string;
}

/** The headers Adobe I/O Events puts on a webhook delivery. */
export function adobeDeliveryHeaders(body: Buffer | string, keys: [SigningKey, SigningKey], o: DeliveryHeadersOptions = {}): Record<string, string> {
  return {
    'content-type': o.contentType ?? 'application/json',
    'x-adobe-delivery-id': o.deliveryId ?? randomUUID(),
    ...(o.eventId ? { 'x-adobe-event-id': o.eventId } : {}),
    ...(o.eventCode ? { 'x-adobe-event-code': o.eventCode } : {}),
    'x-adobe-provider': 'marketo',
    ...(o.retryCount ? { 'x-adobe-retry-count': String(o.retryCount) } : {}),
    'x-adobe-digital-signature-1': signBody(body, keys[0]),
    'x-adobe-digital-signature-2': signBody(body, keys[1]),
    'x-adobe-public-key1-path': keys[0].path,
    'x-adobe-public-key2-path': keys[1].path,
  };
}

export interface KeyServer {
  baseUrl: string;
  /** requests served, by path */
  hits: Map<string, number>;
  /** while down, every request gets a 503 */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** Serves the public keys like static.adobeioevents.com does, on 127.0.0.1. */
export async function startKeyServer(keys: SigningKey[], port = 0): Promise<KeyServer> {
  const hits = new Map<string, number>();
  let down = false;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const key = keys.find((k) => k.path === path);
    if (down) res.writeHead(503).end();
    else if (key) res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(key.publicKeyPem);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${bound}`,
    hits,
    setDown: (d) => (down = d),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
