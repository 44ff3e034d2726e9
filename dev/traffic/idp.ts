/**
 * The one local OAuth2 identity provider of the tests and the simulator: a
 * JWKS endpoint serving real generated keys (rotatable), a client-credentials
 * token endpoint (what Marketo calls: Basic client auth,
 * grant_type=client_credentials), token minting with jose (also with a key it
 * does not publish, for forgeries), an RFC 7662 introspection endpoint that
 * records every request, and switchable failure modes per endpoint.
 */
import { createPublicKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type JwksMode = 'ok' | 'error-500' | 'not-json' | 'not-a-jwks' | 'hang';
export type IntrospectionMode = 'ok' | 'error-500' | 'not-json' | 'hang';

export interface IntrospectionRequest {
  method: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

export interface MintOptions {
  /** sign with this kid (one of the IdP's keys), or with `foreignKey` under any kid */
  kid?: string;
  /** a key the IdP does not publish (forgery) */
  foreignKey?: CryptoKey;
  /** absolute epoch seconds (default 5 minutes from now); `null` leaves the claim out */
  exp?: number | null;
  /** absolute epoch seconds */
  nbf?: number;
}

export interface TestIdp {
  url: string;
  jwksUrl: string;
  introspectionUrl: string;
  /** client-credentials endpoint (Marketo's credentials, default marketo / marketo-secret) */
  tokenUrl: string;
  issuer: string;
  /** the `aud` its tokens carry */
  audience: string;
  jwksHits: number;
  jwksMode: JwksMode;
  introspectionMode: IntrospectionMode;
  /** every introspection request as received */
  introspections: IntrospectionRequest[];
  readonly introspectionHits: number;
  /** access tokens issued by the client-credentials endpoint */
  tokensIssued: number;
  /** while down, every endpoint answers 503 */
  down: boolean;
  /** opaque token → introspection answer (unknown tokens are `{ active: false }`) */
  opaque: Map<string, Record<string, unknown>>;
  mint(claims?: JWTPayload, o?: MintOptions): Promise<string>;
  /** adds a key (the newest signs by default) and returns its kid */
  rotate(): Promise<string>;
  publicKeyPem(kid?: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestIdpOptions {
  /** the relay's credentials for introspection (default relay / relay-secret) */
  clientId?: string;
  clientSecret?: string;
  /** Marketo's credentials for the client-credentials grant (default marketo / marketo-secret) */
  marketoClientId?: string;
  marketoClientSecret?: string;
  /** default marketo-stream-relay */
  audience?: string;
  /** lifetime of issued access tokens (default 600 s) */
  tokenTtlSeconds?: number;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** JWTs that must be refused, as [what is wrong, claims, times, the error code]: shared by the verifier's and the push authentication's tests. */
export const badJwtCases = (): [string, Record<string, unknown>, { exp?: number; nbf?: number }, string][] => [
  ['expired', {}, { exp: nowSeconds() - 120 }, 'token_expired'],
  ['not yet valid', {}, { nbf: nowSeconds() + 600 }, 'token_not_yet_valid'],
  ['from another issuer', { iss: 'https://evil.example/' }, {}, 'issuer_mismatch'],
  ['for another audience', { aud: 'someone-else' }, {}, 'audience_mismatch'],
];

const sendJson = (res: http.ServerResponse, status: number, body: unknown): void =>
  void res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));

function readBody(req: http.IncomingMessage, then: (body: string) => void): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => then(body));
}

const basicAuth = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

export async function startTestIdp(o: TestIdpOptions = {}): Promise<TestIdp> {
  const keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  const addKey = async (): Promise<string> => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `k${keys.length + 1}`;
    keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
    return kid;
  };
  await addKey();
  const relayAuth = basicAuth(o.clientId ?? 'relay', o.clientSecret ?? 'relay-secret');
  const marketoClient = o.marketoClientId ?? 'marketo';
  const marketoAuth = basicAuth(marketoClient, o.marketoClientSecret ?? 'marketo-secret');
  const ttl = o.tokenTtlSeconds ?? 600;
  const idp = {
    audience: o.audience ?? 'marketo-stream-relay',
    jwksHits: 0,
    jwksMode: 'ok',
    introspectionMode: 'ok',
    introspections: [] as IntrospectionRequest[],
    get introspectionHits() {
      return this.introspections.length;
    },
    tokensIssued: 0,
    down: false,
    opaque: new Map<string, Record<string, unknown>>(),
  } as TestIdp;

  function jwks(res: http.ServerResponse): void {
    idp.jwksHits++;
    if (idp.jwksMode === 'hang') return; // never answers; close() drops the connection
    if (idp.jwksMode === 'error-500') return sendJson(res, 500, { error: 'boom' });
    if (idp.jwksMode === 'not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    if (idp.jwksMode === 'not-a-jwks') return sendJson(res, 200, { keys: 'nope' });
    sendJson(res, 200, { keys: keys.map((k) => k.jwk) });
  }

  function introspect(req: http.IncomingMessage, res: http.ServerResponse): void {
    readBody(req, (body) => {
      idp.introspections.push({ method: req.method ?? '', authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      if (idp.introspectionMode === 'hang') return;
      if (idp.introspectionMode === 'error-500') return sendJson(res, 500, { error: 'server_error' });
      if (idp.introspectionMode === 'not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      if (req.headers.authorization !== relayAuth) return sendJson(res, 401, { error: 'invalid_client' });
      sendJson(res, 200, idp.opaque.get(new URLSearchParams(body).get('token') ?? '') ?? { active: false });
    });
  }

  /** RFC 6749 §4.4 client credentials: Basic auth, grant_type=client_credentials in a form body. */
  function token(req: http.IncomingMessage, res: http.ServerResponse): void {
    readBody(req, (body) => {
      if (req.headers.authorization !== marketoAuth) return sendJson(res, 401, { error: 'invalid_client' });
      if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
      idp.tokensIssued++;
      void idp.mint({ client_id: marketoClient, sub: marketoClient }, { exp: nowSeconds() + ttl }).then((t) => sendJson(res, 200, { access_token: t, token_type: 'Bearer', expires_in: ttl }));
    });
  }

  const server = http.createServer((req, res) => {
    if (idp.down) return void res.writeHead(503).end();
    const path = (req.url ?? '').split('?')[0];
    if (path === '/jwks') return jwks(res);
    if (path === '/token' && req.method === 'POST') return token(req, res);
    if (path === '/introspect') return introspect(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(idp, {
    url,
    jwksUrl: `${url}/jwks`,
    introspectionUrl: `${url}/introspect`,
    tokenUrl: `${url}/token`,
    issuer: `${url}/`,
    async mint(claims: JWTPayload = {}, m: MintOptions = {}) {
      const key = keys.find((k) => k.kid === m.kid) ?? keys[keys.length - 1];
      const body: JWTPayload = { iss: idp.issuer, aud: idp.audience, sub: 'marketo', client_id: 'marketo-client', iat: nowSeconds(), ...claims };
      if (m.exp !== null) body.exp = m.exp ?? nowSeconds() + 300;
      if (m.nbf !== undefined) body.nbf = m.nbf;
      return new SignJWT(body).setProtectedHeader({ alg: 'RS256', kid: m.kid ?? key.kid }).sign(m.foreignKey ?? key.privateKey);
    },
    rotate: addKey,
    async publicKeyPem(kid?: string) {
      const k = keys.find((x) => x.kid === kid) ?? keys[0];
      return createPublicKey({ key: k.jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  });
  return idp;
}

/** An http URL on 127.0.0.1 where nothing listens any more (connection refused). */
export async function deadUrl(path = '/'): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
