/**
 * A local RFC 7662 introspection endpoint for the push-auth tests: answers from
 * a token → answer map (unknown tokens are `{ active: false }`), records every
 * request as received, and has switchable failure modes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type IntrospectionMode = 'ok' | 'error-500' | 'not-json' | 'hang';

export interface IntrospectionRequest {
  method: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

export interface IntrospectionServer {
  url: string;
  mode: IntrospectionMode;
  answers: Map<string, Record<string, unknown>>;
  requests: IntrospectionRequest[];
  readonly hits: number;
  close(): Promise<void>;
}

function reply(s: IntrospectionServer, body: string, res: http.ServerResponse): void {
  if (s.mode === 'hang') return;
  if (s.mode === 'error-500') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
  if (s.mode === 'not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
  const token = new URLSearchParams(body).get('token') ?? '';
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(s.answers.get(token) ?? { active: false }));
}

export async function startIntrospectionServer(): Promise<IntrospectionServer> {
  const s = {
    mode: 'ok',
    answers: new Map(),
    requests: [] as IntrospectionRequest[],
    get hits() {
      return this.requests.length;
    },
  } as IntrospectionServer;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      s.requests.push({ method: req.method ?? '', authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      reply(s, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  s.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return s;
}
