/**
 * The local runtime: serves every web action of app.config.yaml at
 * /api/v1/web/<package>/<action> with the exact raw-http params I/O Runtime
 * gives (see runtime-params.ts), and answers the OpenWhisk REST API's
 * non-blocking invoke (POST /api/v1/namespaces/_/actions/<pkg>/<action>) so the
 * actions' real `openwhisk` client hands events off here: each invocation is
 * appended to LOCAL_INVOCATIONS_FILE and, when the action is one of ours, run.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { SETTING_GROUPS } from '../src/config';
import type { Invoker } from '../src/delivery/invoker';
import { imsCredentialInputs } from './local-env';
import { loadManifest, type ManifestAction } from './manifest';
import { toRuntimeParams } from './runtime-params';

export type ActionMain = (params: Record<string, unknown>) => Promise<unknown>;

export interface LocalServerOptions {
  port: number;
  /** loads an action's main: from source (tsx) or from its built bundle */
  load: (action: ManifestAction) => ActionMain;
  env: Record<string, string | undefined>;
  maxBodyBytes?: number;
  invocationsFile: string;
  /** optional fault injection for the downstream invoke API (0..1) */
  invokeFailureRate?: () => number;
  onInvoke?: (action: string, params: Record<string, unknown>) => void;
}

export interface LocalServer {
  url: string;
  close(): Promise<void>;
  /** resolves when every invocation started so far has finished running and is recorded */
  idle(): Promise<void>;
  /** the same hand-off as the invoke API, in-process (for actions loaded from source) */
  invoker: Invoker;
}

const WEB_PREFIX = '/api/v1/web/';
const INVOKE = /^\/api\/v1\/namespaces\/[^/]+\/actions\/(.+)$/;

function inputsFor(action: ManifestAction, env: Record<string, string | undefined>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  // the manifest's inputs, and the local-only settings (the local runtime is where they apply)
  for (const name of [...action.inputNames, ...SETTING_GROUPS.local]) if (env[name] !== undefined && env[name] !== '') inputs[name] = env[name];
  if (action.annotations['include-ims-credentials'] === true) Object.assign(inputs, imsCredentialInputs(env));
  return inputs;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startLocalServer(o: LocalServerOptions): Promise<LocalServer> {
  const manifest = loadManifest();
  const mains = new Map<string, ActionMain>();
  const mainOf = (a: ManifestAction): ActionMain => {
    let m = mains.get(a.name);
    if (!m) mains.set(a.name, (m = o.load(a)));
    return m;
  };
  const running = new Set<Promise<unknown>>();
  await mkdir(dirname(resolve(o.invocationsFile)), { recursive: true });

  // invocation records are appended in batches: one write per tick, not one per hand-off
  let pendingLines: string[] = [];
  let writing: Promise<void> = Promise.resolve();
  const flushLines = (): Promise<void> => {
    if (!pendingLines.length) return writing;
    const text = pendingLines.join('');
    pendingLines = [];
    writing = writing
      .then(() => appendFile(o.invocationsFile, text))
      .catch((err: Error) => console.error(`local runtime: could not record invocations in ${o.invocationsFile}: ${err.message}`));
    return writing;
  };

  /** Records a hand-off and runs the action when it is one of ours; the activation id at once. */
  function handOff(actionName: string, params: Record<string, unknown>): string {
    const activationId = randomBytes(16).toString('hex');
    if (!pendingLines.length) setImmediate(() => void flushLines());
    pendingLines.push(`${JSON.stringify({ time: new Date().toISOString(), action: actionName, activationId, params })}\n`);
    o.onInvoke?.(actionName, params);
    const [pkg, name] = actionName.includes('/') ? actionName.split('/') : [manifest.packageName, actionName];
    const action = manifest.actions.find((a) => a.package === pkg && a.name === name);
    if (action) {
      const run = mainOf(action)({ ...inputsFor(action, o.env), ...params }).catch(() => undefined);
      running.add(run);
      void run.finally(() => running.delete(run));
    }
    return activationId;
  }

  async function web(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: string): Promise<void> {
    const [pkg, name, ...rest] = path.slice(WEB_PREFIX.length).split('/');
    const action = manifest.actions.find((a) => a.package === pkg && a.name === name && a.web);
    if (!action) return send(res, 404, { error: 'not_found', message: `no web action ${pkg}/${name}` });
    const body = await readBody(req, o.maxBodyBytes ?? 1024 * 1024);
    if (!body) return send(res, 413, { error: 'body_too_large', message: 'request body over the 1 MB Runtime limit' });
    const params = toRuntimeParams({ method: req.method ?? 'GET', headers: req.headers, query, body, path: rest.length ? `/${rest.join('/')}` : '' }, inputsFor(action, o.env));
    const result = (await mainOf(action)(params)) as { statusCode?: number; headers?: Record<string, string>; body?: unknown } | undefined;
    const out = result ?? {};
    res.writeHead(out.statusCode ?? 200, out.headers ?? {}).end(typeof out.body === 'string' ? out.body : JSON.stringify(out.body ?? ''));
  }

  async function invoke(req: http.IncomingMessage, res: http.ServerResponse, fullName: string): Promise<void> {
    const body = await readBody(req, 1024 * 1024);
    if (!body) return send(res, 413, { error: 'The request content was malformed: payload too large' });
    if (o.invokeFailureRate && Math.random() < o.invokeFailureRate()) return send(res, 503, { error: 'simulated downstream outage' });
    const params = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    send(res, 202, { activationId: handOff(decodeURIComponent(fullName), params) });
  }

  const server = http.createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '/').split(/\?(.*)/s);
    const m = INVOKE.exec(path);
    const work = path.startsWith(WEB_PREFIX) ? web(req, res, path, query) : m && req.method === 'POST' ? invoke(req, res, m[1]) : Promise.resolve(send(res, 404, { error: 'not_found', message: path }));
    work.catch((err: Error) => send(res, 500, { error: 'local_runtime_error', message: err.message }));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(o.port, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    idle: async () => {
      while (running.size) await Promise.all([...running]);
      await flushLines();
    },
    invoker: {
      async invoke(action, params) {
        if (o.invokeFailureRate && Math.random() < o.invokeFailureRate()) return { ok: false, retryable: true, status: 503, reason: 'HTTP 503' };
        return { ok: true, activationId: handOff(action, params) };
      },
    },
    close: async () => {
      await flushLines();
      await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
    },
  };
}
