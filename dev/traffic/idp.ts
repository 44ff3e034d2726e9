/**
 * A local OAuth2 identity provider (tests, the simulator): a JWKS endpoint
 * serving real generated keys (rotatable), a client-credentials token endpoint
 * (what Marketo calls: Basic client auth, grant_type=client_credentials),
 * token minting with jose, an RFC 7662 introspection endpoint, and a switch to
 * take it down.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';

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
  introspectionHits: number;
  /** access tokens issued by the client-credentials endpoint */
  tokensIssued: number;
  down: boolean;
  /** opaque token → introspection answer */
  opaque: Map<string, Record<string, unknown>>;
  mint(claims?: Record<string, unknown>, o?: { kid?: string; expiresIn?: string | number; notBefore?: string | number; alg?: string }): Promise<string>;
  rotate(): Promise<string>;
  publicKeyPem(): Promise<string>;
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

const sendJson = (res: http.ServerResponse, status: number, body: unknown): void =>
  void res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));

/** RFC 6749 §4.4 client credentials: Basic auth, grant_type=client_credentials in a form body. */
function tokenEndpoint(idp: TestIdp, o: TestIdpOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const client = o.marketoClientId ?? 'marketo';
  const basic = `Basic ${Buffer.from(`${client}:${o.marketoClientSecret ?? 'marketo-secret'}`).toString('base64')}`;
  const ttl = o.tokenTtlSeconds ?? 600;
  return (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.headers.authorization !== basic) return sendJson(res, 401, { error: 'invalid_client' });
      if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
      idp.tokensIssued++;
      void idp.mint({ client_id: client, sub: client }, { expiresIn: Math.floor(Date.now() / 1000) + ttl }).then((token) =>
        sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: ttl }),
      );
    });
  };
}

export async function startTestIdp(o: TestIdpOptions = {}): Promise<TestIdp> {
  const keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  const addKey = async (): Promise<string> => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `k${keys.length + 1}`;
    keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
    return kid;
  };
  await addKey();
  const basic = `Basic ${Buffer.from(`${o.clientId ?? 'relay'}:${o.clientSecret ?? 'relay-secret'}`).toString('base64')}`;
  const idp = { audience: o.audience ?? 'marketo-stream-relay', jwksHits: 0, introspectionHits: 0, tokensIssued: 0, down: false, opaque: new Map<string, Record<string, unknown>>() } as TestIdp;
  const token = tokenEndpoint(idp, o);
  const server = http.createServer((req, res) => {
    if (idp.down) return void res.writeHead(503).end();
    if (req.url === '/jwks') {
      idp.jwksHits++;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    }
    if (req.url === '/token' && req.method === 'POST') return token(req, res);
    if (req.url === '/introspect' && req.method === 'POST') {
      idp.introspectionHits++;
      if (req.headers.authorization !== basic) return void res.writeHead(401).end();
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(idp.opaque.get(token) ?? { active: false }));
      });
      return;
    }
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
    async mint(claims: Record<string, unknown> = {}, m: { kid?: string; expiresIn?: string | number; notBefore?: string | number } = {}) {
      const key = keys.find((k) => k.kid === (m.kid ?? keys[keys.length - 1].kid)) ?? keys[0];
      let jwt = new SignJWT({ client_id: 'marketo', iss: idp.issuer, aud: idp.audience, sub: 'marketo', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuedAt()
        .setExpirationTime(m.expiresIn ?? '5m');
      if (m.notBefore !== undefined) jwt = jwt.setNotBefore(m.notBefore);
      return jwt.sign(key.privateKey);
    },
    rotate: addKey,
    async publicKeyPem() {
      const { createPublicKey } = await import('node:crypto');
      return createPublicKey({ key: keys[0].jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  });
  return idp;
}
