/**
 * A local JWKS endpoint for the push-auth tests: real keys generated with jose,
 * rotatable, a hit counter, and switchable failure modes (5xx, not JSON, not a
 * key set, a hanging answer). `mint` signs tokens with the newest key by default.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type JwksMode = 'ok' | 'error-500' | 'not-json' | 'not-a-jwks' | 'hang';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export interface MintOptions {
  /** sign with this kid (one of the server's keys), or with `foreignKey` under any kid */
  kid?: string;
  /** a key the server does not publish (forgery) */
  foreignKey?: CryptoKey;
  /** absolute epoch seconds; `null` leaves the claim out */
  exp?: number | null;
  nbf?: number;
}

export interface JwksServer {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** GET /jwks answered so far (any mode) */
  hits: number;
  mode: JwksMode;
  /** adds a new key (the newest signs by default) and returns its kid */
  rotate(): Promise<string>;
  mint(claims?: JWTPayload, o?: MintOptions): Promise<string>;
  publicKeyPem(kid?: string): Promise<string>;
  close(): Promise<void>;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** JWTs that must be refused, as [what is wrong, claims, times, the error code]: shared by the verifier's and the push authentication's tests. */
export const badJwtCases = (): [string, Record<string, unknown>, { exp?: number; nbf?: number }, string][] => [
  ['expired', {}, { exp: nowSeconds() - 120 }, 'token_expired'],
  ['not yet valid', {}, { nbf: nowSeconds() + 600 }, 'token_not_yet_valid'],
  ['from another issuer', { iss: 'https://evil.example/' }, {}, 'issuer_mismatch'],
  ['for another audience', { aud: 'someone-else' }, {}, 'audience_mismatch'],
];

async function newKey(n: number): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `key-${n}`;
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function answer(s: JwksServer, keys: SigningKey[], res: http.ServerResponse): void {
  const json = { 'content-type': 'application/json' };
  if (s.mode === 'hang') return; // never answers; close() drops the connection
  if (s.mode === 'error-500') return void res.writeHead(500, json).end('{"error":"boom"}');
  if (s.mode === 'not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
  if (s.mode === 'not-a-jwks') return void res.writeHead(200, json).end('{"keys":"nope"}');
  res.writeHead(200, json).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
}

export async function startJwksServer(): Promise<JwksServer> {
  const keys: SigningKey[] = [await newKey(1)];
  const s = { hits: 0, mode: 'ok', audience: 'marketo-stream-relay' } as JwksServer;
  const server = http.createServer((req, res) => {
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    s.hits++;
    answer(s, keys, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(s, {
    jwksUrl: `${base}/jwks`,
    issuer: `${base}/`,
    async rotate() {
      const k = await newKey(keys.length + 1);
      keys.push(k);
      return k.kid;
    },
    async mint(claims: JWTPayload = {}, o: MintOptions = {}) {
      const key = keys.find((k) => k.kid === o.kid) ?? keys[keys.length - 1];
      const body: JWTPayload = { iss: s.issuer, aud: s.audience, sub: 'marketo', client_id: 'marketo-client', iat: nowSeconds(), ...claims };
      if (o.exp !== null) body.exp = o.exp ?? nowSeconds() + 300;
      if (o.nbf !== undefined) body.nbf = o.nbf;
      return new SignJWT(body).setProtectedHeader({ alg: 'RS256', kid: o.kid ?? key.kid }).sign(o.foreignKey ?? key.privateKey);
    },
    async publicKeyPem(kid?: string) {
      return exportSPKI((keys.find((k) => k.kid === kid) ?? keys[0]).publicKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return s;
}

/** An http URL on 127.0.0.1 where nothing listens any more (connection refused). */
export async function deadUrl(path = '/'): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
