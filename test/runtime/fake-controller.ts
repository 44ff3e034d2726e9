/**
 * A local stand-in for the OpenWhisk controller's invoke API
 * (POST /api/v1/namespaces/{ns}/actions/{pkg}/{action}?blocking=false), reached
 * by the real `openwhisk` client: it records, for every invocation, the API key
 * of its Basic auth, the transaction id header the controller reads
 * (X-Request-ID: apache/openwhisk common/scala/src/main/resources/application.conf
 * `whisk.transactions.header`, read in BasicHttpService), the namespace of the
 * path and the params, and answers 202 with an activation id after a short,
 * varying wait (so concurrent requests complete out of order).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedInvoke {
  namespace: string;
  action: string;
  apiKey: string;
  transactionId?: string;
  params: Record<string, unknown>;
}

export interface FakeController {
  url: string;
  invokes: RecordedInvoke[];
  close(): Promise<void>;
}

export async function startFakeController(): Promise<FakeController> {
  const invokes: RecordedInvoke[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/actions\/([^?]+)/.exec(req.url ?? '');
      const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (req.method !== 'POST' || !m || !auth) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      const tid = req.headers['x-request-id'];
      invokes.push({
        namespace: decodeURIComponent(m[1]),
        action: decodeURIComponent(m[2]),
        apiKey: Buffer.from(auth[1], 'base64').toString('utf8'),
        ...(typeof tid === 'string' ? { transactionId: tid } : {}),
        params: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
      });
      setTimeout(() => res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ activationId: randomBytes(16).toString('hex') })), n++ % 7);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invokes,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
