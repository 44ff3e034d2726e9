/**
 * A local Standard Webhooks receiver (npm start, the tests): every request is
 * verified with the specification's reference library, `standardwebhooks`
 * (`new Webhook(secret).verify(body, headers)`), never with the relay's own
 * signing code; what verified is recorded by `webhook-id`. How it answers is
 * chosen per request (`behave`): a status with headers and body, `hang` (never
 * answers), or the default 204.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  route: string;
  events: { id: string; stream: string }[];
  /** the answer given */
  status: number;
}

export type Behaviour = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface WebhookReceiver {
  url: string;
  /** verified requests, in order of arrival, whatever they were answered */
  requests: ReceivedWebhook[];
  /** requests whose signature did not verify (answered 401) */
  unverified: number;
  /** the verified requests answered 2xx */
  delivered(): ReceivedWebhook[];
  behave(b: (req: ReceivedWebhook, n: number) => Behaviour): void;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

export async function startWebhookReceiver(o: { secret: string; port?: number; host?: string }): Promise<WebhookReceiver> {
  const verifier = new Webhook(o.secret);
  const requests: ReceivedWebhook[] = [];
  let unverified = 0;
  let behaviour: (req: ReceivedWebhook, n: number) => Behaviour = () => ({ status: 204 });
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      let payload: { route: string; events: { id: string; stream: string }[] };
      try {
        payload = verifier.verify(body, headers) as typeof payload;
      } catch {
        unverified++;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"signature"}');
        return;
      }
      const r: ReceivedWebhook = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], route: payload.route, events: payload.events.map((e) => ({ id: e.id, stream: e.stream })), status: 0 };
      requests.push(r);
      const b = behaviour(r, requests.length);
      if (b === 'hang') {
        hanging.add(res);
        return;
      }
      r.status = b.status;
      res.writeHead(b.status, b.headers).end(b.body);
    });
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, o.host ?? '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    get unverified() {
      return unverified;
    },
    delivered: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    behave(b) {
      behaviour = b;
    },
    close: async () => {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
