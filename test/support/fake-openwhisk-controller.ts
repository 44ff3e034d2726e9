/**
 * A fake Apache OpenWhisk controller on 127.0.0.1: the REST boundary of
 * `aio app deploy`. It keeps the entities it is sent (packages, actions,
 * triggers, rules) so a test can read what a deploy would create, answers
 * lists from what it holds, and runs a feed action (the alarm feed's CREATE)
 * by recording it. Paths follow the controller's REST API:
 * /api/v1/namespaces/<ns>/<collection>/<name>[?overwrite=true].
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Json = Record<string, unknown>;

export interface FeedCall {
  feed: string;
  params: Json;
}

export interface ControllerRequest {
  method: string;
  path: string;
  authorization?: string;
}

export class FakeOpenWhiskController {
  readonly packages = new Map<string, Json>();
  readonly actions = new Map<string, Json>();
  readonly triggers = new Map<string, Json>();
  readonly rules = new Map<string, Json>();
  readonly feeds: FeedCall[] = [];
  readonly requests: ControllerRequest[] = [];
  private server?: Server;

  constructor(readonly namespace = 'test-ns') {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private collection(kind: string): Map<string, Json> | undefined {
    return ({ packages: this.packages, actions: this.actions, triggers: this.triggers, rules: this.rules } as Record<string, Map<string, Json>>)[kind];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Json) : {};
    const url = new URL(req.url ?? '/', 'http://controller');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, authorization: req.headers.authorization });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };

    // /api/v1 (the API's description: the CLI reads runtimes from it for unknown kinds)
    if (url.pathname === '/api/v1' || url.pathname === '/api/v1/') {
      return send(200, { runtimes: { nodejs: [{ kind: 'nodejs:20' }, { kind: 'nodejs:22' }, { kind: 'nodejs:24' }] } });
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/(packages|actions|triggers|rules)(?:\/(.+))?$/.exec(url.pathname);
    if (!m) return send(404, { error: `no route for ${method} ${url.pathname}` });
    const [, ns, kind, rawName] = m;
    const store = this.collection(kind)!;
    const name = rawName ? decodeURIComponent(rawName) : undefined;

    if (!name) {
      if (method !== 'GET') return send(405, { error: 'method not allowed' });
      return send(200, [...store.values()].map((e) => ({ ...e, namespace: this.namespace })));
    }
    // feed actions (e.g. /whisk.system/alarms/interval) are invoked, not stored
    if (kind === 'actions' && method === 'POST') {
      this.feeds.push({ feed: `/${ns}/${name}`, params: body });
      return send(200, { activationId: '0'.repeat(32), response: { success: true, result: {} } });
    }
    switch (method) {
      case 'GET':
        return store.has(name) ? send(200, store.get(name)) : send(404, { error: 'The requested resource does not exist.' });
      case 'PUT': {
        // like the controller, every entity it returns has annotations (an empty list at least)
        const entity: Json = { annotations: [] as unknown[], ...body, name: name.split('/').pop(), namespace: name.includes('/') ? `${this.namespace}/${name.split('/')[0]}` : this.namespace };
        // a new action without provide-api-key gets it as false, so no __OW_API_KEY reaches it
        // (apache/openwhisk core/controller/src/main/scala/org/apache/openwhisk/core/controller/Actions.scala
        // at 1fae641a2b30bccb7ddc69d2d215866d899a8510, ProvideApiKeyAnnotationName)
        const annotations = entity.annotations as { key: string; value: unknown }[];
        if (kind === 'actions' && !store.has(name) && !annotations.some((a) => a.key === 'provide-api-key')) {
          entity.annotations = [...annotations, { key: 'provide-api-key', value: false }];
        }
        store.set(name, entity);
        return send(200, entity);
      }
      case 'DELETE':
        store.delete(name);
        return send(200, {});
      default:
        return send(405, { error: 'method not allowed' });
    }
  }
}
