/**
 * The local runtime, on 127.0.0.1 only. It runs our actions the way I/O Runtime
 * runs them and answers the OpenWhisk REST API's non-blocking invoke, so the
 * actions' real `openwhisk` client hands events off here.
 *
 * - Web actions at /api/v1/web/<package>/<action>: params as the controller
 *   builds them for the action's kind (`web: raw` or `web: yes`, see
 *   runtime-params.ts), the result rendered as the controller renders an
 *   `.http` result (WebActions.scala `resultAsHttp`: statusCode, headers, body;
 *   an empty body or none is 204 unless a status is given; base64 bodies of
 *   binary types decoded), `x-openwhisk-activation-id` on the answer.
 * - Every activation (web or invoked) runs as OpenWhisk's Node.js runtime runs
 *   one: its `__OW_*` values (namespace, action name, activation and
 *   transaction id, deadline, and the API key unless `provide-api-key: false`)
 *   written into process.env just before main is called (openwhisk-runtime-nodejs
 *   core/nodejsActionBase/src/service.js `doRun`). The transaction id is the
 *   request's X-Request-ID when it has one, as the controller takes it.
 * - Invoke API, POST /api/v1/namespaces/<ns>/actions/<pkg>/<action>, as the
 *   platform behaves (apache/openwhisk core/controller Actions.scala `activate`):
 *   the namespace key required (basic auth, `apiKey`), JSON bodies only (415
 *   otherwise), a JSON object or nothing (400), `final` actions' inputs not
 *   overridable (400), a loopback peer and Host only (403: no web page can reach
 *   it through DNS rebinding). 202 `{ activationId }` only once the invocation is
 *   recorded durably in LOCAL_INVOCATIONS_FILE (invocation-journal.ts: append +
 *   fsync, group-committed); then the action runs if it is one of ours. Chosen
 *   targets can be made to answer 429, 503 or hang (invoke-faults.ts), set at
 *   start or at runtime through GET/PUT /_local/faults (same key, loopback).
 * - What Adobe puts in front of the operator console: web actions annotated
 *   `require-adobe-auth: true` run only with the local session's token (as the
 *   gateway admits only IMS user tokens), and their `final` does nothing, as
 *   deployed (dev/manifest.ts); GET /_local/console-session hands the
 *   console that token and the org, as the Experience Cloud shell would; the
 *   console's built files are served at / (loopback peer and Host only).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SETTING_GROUPS } from '../src/config';
import type { Invoker, InvokerPool } from '../src/delivery/invoker';
import { flushPendingStats } from '../src/status/stats';
import { CONSOLE_SESSION_PATH, consoleFile, localSession, type ConsoleSession } from './console-host';
import { faultTable, type FaultTable, type InvokeFault } from './invoke-faults';
import { openInvocationJournal } from './invocation-journal';
import { imsCredentialInputs } from './local-env';
import { loadManifest, type ManifestAction } from './manifest';
import { isLoopbackRequest } from './net';
import { PARAMETERS_NOT_ALLOWED, webActionParams } from './runtime-params';

export type ActionMain = (params: Record<string, unknown>) => Promise<unknown>;

export interface LocalServerOptions {
  port: number;
  /** loads an action's main: from source (tsx) or from its built bundle */
  load: (action: ManifestAction) => ActionMain;
  env: Record<string, string | undefined>;
  maxBodyBytes?: number;
  invocationsFile: string;
  /** the namespace key (`uuid:key`) the invoke API requires and activations get as __OW_API_KEY; generated when absent */
  apiKey?: string;
  /** the namespace activations run in (default `local`) */
  namespace?: string;
  /** faults to start with, as LOCAL_INVOKE_FAULTS */
  faults?: string;
  onInvoke?: (action: string, params: Record<string, unknown>) => void;
  /** the invocation log's fsync (tests hold it to see that nothing is acknowledged before it) */
  sync?: (fh: FileHandle) => Promise<void>;
  /** the operator console's built files (`aio app build`'s web-prod), served at / */
  webDir?: string;
}

export interface LocalServer {
  url: string;
  apiKey: string;
  namespace: string;
  /** the faults in force; `set` changes them as PUT /_local/faults does */
  faults: FaultTable;
  /** lines recorded and fsyncs done */
  journal: { lines: number; syncs: number };
  close(): Promise<void>;
  /** resolves when every invocation started so far has finished running (their records are on disk before they start) */
  idle(): Promise<void>;
  /** the same hand-off as the invoke API, in-process (for actions loaded from source), per activation */
  invokers: InvokerPool;
  /** the same, for a caller that is not an activation */
  invoker: Invoker;
  /** what the console gets from GET /_local/console-session (the shell's token and org, locally) */
  session: ConsoleSession;
}

const WEB_PREFIX = '/api/v1/web/';
const INVOKE = /^\/api\/v1\/namespaces\/([^/]+)\/actions\/(.+)$/;
const FAULTS_PATH = '/_local/faults';

/** A fresh namespace key in OpenWhisk's `uuid:key` form. */
export const generateApiKey = (): string => `${randomUUID()}:${randomBytes(32).toString('base64url')}`;

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

function send(res: http.ServerResponse, a: Answer): void {
  res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(JSON.stringify(a.body));
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

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isJsonType = (t: string): boolean => t === 'application/json' || t.endsWith('+json');
const isTextType = (t: string): boolean => /^text\//.test(t) || /^application\/(json|javascript|xml|x-www-form-urlencoded)$/.test(t) || t.endsWith('+json') || t.endsWith('+xml');

/**
 * An action's result as the controller answers a `.http` web action
 * (WebActions.scala `resultAsHttp`, `interpretHttpResponse`): an application
 * error answers its `error` projection the same way.
 */
export function renderWebResult(result: unknown): { status: number; headers: Record<string, string>; body: Buffer } {
  const invalid = { status: 400, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ error: "Response is not valid 'message/http'." })) };
  if (!result || typeof result !== 'object' || Array.isArray(result)) return invalid;
  const r = (('error' in result ? (result as { error: unknown }).error : result) ?? {}) as Record<string, unknown>;
  if (typeof r !== 'object' || Array.isArray(r)) return invalid;
  const headers: Record<string, string> = {};
  if (r.headers !== undefined) {
    if (!r.headers || typeof r.headers !== 'object' || Array.isArray(r.headers)) return invalid;
    for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) {
      const values = Array.isArray(v) ? v : [v];
      if (!values.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) return invalid;
      if (values.length) headers[k.toLowerCase()] = values.map(String).join(', ');
    }
  }
  let code: number | undefined;
  if (r.statusCode !== undefined) {
    code = typeof r.statusCode === 'number' ? r.statusCode : typeof r.statusCode === 'string' && /^\d+$/.test(r.statusCode) ? Number(r.statusCode) : NaN;
    if (!Number.isInteger(code) || code < 100 || code > 599) return invalid;
  }
  const contentType = headers['content-type'];
  delete headers['content-type'];
  const body = r.body;
  if (body === undefined || body === null || body === '') return { status: code ?? 204, headers, body: Buffer.alloc(0) };
  if (typeof body !== 'string') {
    const type = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
    if (!isJsonType(type)) return invalid;
    return { status: code ?? 200, headers: { ...headers, 'content-type': type === 'application/json' ? 'application/json' : `${type}; charset=UTF-8` }, body: Buffer.from(JSON.stringify(body)) };
  }
  const ct = contentType ?? 'text/html';
  const type = ct.split(';')[0].trim().toLowerCase();
  const decoded = !isTextType(type) || (isJsonType(type) && body.length % 4 === 0 && BASE64.test(body)) ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  const rendered = type === 'application/json' ? 'application/json' : isTextType(type) && !/charset=/i.test(ct) ? `${ct}; charset=UTF-8` : ct;
  return { status: code ?? 200, headers: { ...headers, 'content-type': rendered }, body: decoded };
}

export async function startLocalServer(o: LocalServerOptions): Promise<LocalServer> {
  const manifest = loadManifest();
  const apiKey = o.apiKey ?? generateApiKey();
  const session = localSession(o.env.IMS_OAUTH_S2S_ORG_ID ?? 'LOCAL0000000000000000000@AdobeOrg');
  const namespace = o.namespace ?? 'local';
  const faults = faultTable(o.faults ?? '');
  const journal = await openInvocationJournal(o.invocationsFile, { sync: o.sync });
  const mains = new Map<string, ActionMain>();
  const mainOf = (a: ManifestAction): ActionMain => {
    let m = mains.get(a.name);
    if (!m) mains.set(a.name, (m = o.load(a)));
    return m;
  };
  const running = new Set<Promise<unknown>>();
  const hanging = new Set<Socket>();

  const inputsFor = (action: ManifestAction): Record<string, unknown> => {
    const inputs: Record<string, unknown> = {};
    // the manifest's inputs, and the local-only settings (the local runtime is where they apply)
    for (const name of [...action.inputNames, ...SETTING_GROUPS.local]) if (o.env[name] !== undefined && o.env[name] !== '') inputs[name] = o.env[name];
    if (action.annotations['include-ims-credentials'] === true) Object.assign(inputs, imsCredentialInputs(o.env));
    return inputs;
  };
  const ours = (fullName: string): ManifestAction | undefined => {
    const [pkg, name] = fullName.includes('/') ? fullName.split('/') : [manifest.packageName, fullName];
    return manifest.actions.find((a) => a.package === pkg && a.name === name);
  };

  /** One activation, as the Node.js runtime's doRun starts it: this activation's __OW_* values into process.env, then main. */
  function activate(action: ManifestAction, params: Record<string, unknown>, transactionId: string): { activationId: string; result: Promise<unknown> } {
    const activationId = randomBytes(16).toString('hex');
    const values: Record<string, string> = {
      ...(action.provideApiKey ? { api_key: apiKey } : {}),
      namespace,
      action_name: `/${namespace}/${action.package}/${action.name}`,
      action_version: '0.0.1',
      activation_id: activationId,
      transaction_id: transactionId,
      deadline: String(Date.now() + action.timeoutMs),
    };
    // one process plays every container here: an action without the key must not see another's
    if (!action.provideApiKey) delete process.env.__OW_API_KEY;
    for (const [k, v] of Object.entries(values)) process.env[`__OW_${k.toUpperCase()}`] = v;
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(mainOf(action)(params));
    } catch (err) {
      result = Promise.reject(err);
    }
    return { activationId, result };
  }

  type Invocation = { ok: true; activationId: string } | { ok: false; fault: InvokeFault } | { ok: false; status: 400 | 503; error: string };

  /** Accepts an invocation: fault, or final check, then the durable record, then (ours) the run. */
  async function invokeAction(fullName: string, payload: Record<string, unknown>, transactionId: string): Promise<Invocation> {
    const fault = faults.faultFor(fullName);
    if (fault) return { ok: false, fault };
    const action = ours(fullName);
    const inputs = action ? inputsFor(action) : {};
    if (action?.final && Object.keys(payload).some((k) => k in inputs)) return { ok: false, status: 400, error: PARAMETERS_NOT_ALLOWED };
    const activationId = randomBytes(16).toString('hex');
    try {
      await journal.append(JSON.stringify({ time: new Date().toISOString(), action: fullName, activationId, transactionId, params: payload }));
    } catch (err) {
      console.error(`local runtime: could not record an invocation in ${o.invocationsFile}: ${(err as Error).message}`);
      return { ok: false, status: 503, error: 'the invocation could not be recorded' };
    }
    o.onInvoke?.(fullName, payload);
    if (action) {
      const run = activate(action, { ...inputs, ...payload }, transactionId).result.catch(() => undefined);
      running.add(run);
      void run.finally(() => running.delete(run));
    }
    return { ok: true, activationId };
  }

  const tidOf = (req: http.IncomingMessage): string => {
    const h = req.headers['x-request-id'];
    return typeof h === 'string' && h ? h : randomBytes(16).toString('hex');
  };

  /** The platform's gate: a loopback peer and Host, then the namespace key. */
  function gate(req: http.IncomingMessage, tid: string): Answer | undefined {
    if (!isLoopbackRequest(req)) return { status: 403, body: { error: 'the local runtime answers loopback requests only', code: tid } };
    const auth = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth) return { status: 401, body: { error: 'The resource requires authentication, which was not supplied with the request', code: tid } };
    if (!sameText(Buffer.from(auth[1], 'base64').toString('utf8'), apiKey)) return { status: 401, body: { error: 'The supplied authentication is invalid', code: tid } };
    return undefined;
  }

  async function web(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: string): Promise<void> {
    const tid = tidOf(req);
    const [pkg, name, ...rest] = path.slice(WEB_PREFIX.length).split('/');
    const action = manifest.actions.find((a) => a.package === pkg && a.name === name && a.web);
    if (!action || !action.web) return send(res, { status: 404, body: { error: 'The requested resource does not exist.', code: tid } });
    if (action.adobeAuth && !sameText(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '', session.token)) {
      return send(res, { status: 401, body: { error: 'cannot authorize request: this action requires an IMS user token (locally: the one GET /_local/console-session gives)', code: tid } });
    }
    const body = await readBody(req, o.maxBodyBytes ?? 1024 * 1024);
    if (!body) return send(res, { status: 413, body: { error: 'The request content was malformed: payload too large', code: tid } });
    const built = webActionParams({ method: req.method ?? 'GET', headers: req.headers, rawHeaders: req.rawHeaders, query, body, path: rest.length ? `/${rest.join('/')}` : '' }, inputsFor(action), {
      web: action.web,
      final: action.final,
    });
    if (!built.ok) return send(res, { status: built.status, body: { error: built.error, code: tid } });
    const { activationId, result } = activate(action, built.params, tid);
    const out = renderWebResult(await result.catch((err: Error) => ({ error: { statusCode: 502, body: { error: `An error has occurred: ${err.message}` } } })));
    res.writeHead(out.status, { ...out.headers, 'x-openwhisk-activation-id': activationId }).end(out.body);
  }

  async function invoke(req: http.IncomingMessage, res: http.ServerResponse, ns: string, fullName: string): Promise<void> {
    const tid = tidOf(req);
    const denied = gate(req, tid);
    if (denied) return send(res, denied);
    if (ns !== '_' && ns !== namespace) return send(res, { status: 403, body: { error: `The supplied authentication is not authorized to access '${ns}'.`, code: tid } });
    const body = await readBody(req, 1024 * 1024);
    if (!body) return send(res, { status: 413, body: { error: 'The request content was malformed: payload too large', code: tid } });
    let payload: Record<string, unknown> = {};
    if (body.length) {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') return send(res, { status: 415, body: { error: 'The request content type is not supported. Supported: application/json', code: tid } });
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        value = undefined;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) return send(res, { status: 400, body: { error: 'The request content was malformed', code: tid } });
      payload = value as Record<string, unknown>;
    }
    const r = await invokeAction(decodeURIComponent(fullName).replace(/^\/[^/]+\//, ''), payload, tid);
    if (r.ok) return send(res, { status: 202, body: { activationId: r.activationId }, headers: { 'x-openwhisk-activation-id': r.activationId } });
    if ('status' in r) return send(res, { status: r.status, body: { error: r.error, code: tid } });
    if (r.fault === 'hang') {
      // never answered: the caller's own timeout decides; close() ends it
      hanging.add(req.socket);
      req.socket.once('close', () => hanging.delete(req.socket));
      return;
    }
    send(res, r.fault === '429' ? { status: 429, body: { error: 'Too many requests in the last minute (local fault injection).', code: tid } } : { status: 503, body: { error: 'Service unavailable (local fault injection).', code: tid } });
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const denied = gate(req, tidOf(req));
    if (denied) return send(res, denied);
    if (req.method === 'PUT' || req.method === 'POST') {
      const body = await readBody(req, 64 * 1024);
      let spec: unknown;
      try {
        spec = (JSON.parse(body?.toString('utf8') ?? '') as { faults?: unknown }).faults;
      } catch {
        spec = undefined;
      }
      if (typeof spec !== 'string') return send(res, { status: 400, body: { error: 'send {"faults": "target=429|503|hang,…"} ("" clears them)' } });
      const error = faults.set(spec);
      if (error) return send(res, { status: 400, body: { error } });
    } else if (req.method !== 'GET') {
      return send(res, { status: 405, body: { error: 'GET or PUT' } });
    }
    send(res, { status: 200, body: { faults: faults.current() } });
  }

  /** The console's files, and its session stand-in (loopback peer and Host only, as the invoke API). */
  async function consoleHost(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    if (!isLoopbackRequest(req)) return send(res, { status: 403, body: { error: 'the local runtime answers loopback requests only' } });
    if (path === CONSOLE_SESSION_PATH) return send(res, { status: 200, body: session, headers: { 'cache-control': 'no-store' } });
    const found = o.webDir ? await consoleFile(o.webDir, path) : undefined;
    if (!found) return send(res, { status: 404, body: { error: 'The requested resource does not exist.' } });
    res.writeHead(200, { 'content-type': found.type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }).end(found.content);
  }

  /** What the invoke API answers, as the openwhisk client would report it to the relay. */
  const invokers: InvokerPool = {
    forActivation: (a) => ({
      async invoke(action, params, timeoutMs) {
        const r = await invokeAction(action, params as Record<string, unknown>, a.transactionId ?? randomBytes(16).toString('hex'));
        if (r.ok) return { ok: true, activationId: r.activationId };
        if ('status' in r) return { ok: false, retryable: r.status >= 500, status: r.status, reason: `HTTP ${r.status}` };
        if (r.fault === 'hang') {
          await new Promise((resolve) => setTimeout(resolve, timeoutMs));
          return { ok: false, retryable: true, reason: 'network: TimeoutError' };
        }
        return { ok: false, retryable: true, status: Number(r.fault), reason: `HTTP ${r.fault}` };
      },
    }),
  };

  const server = http.createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '/').split(/\?(.*)/s);
    const m = INVOKE.exec(path);
    const work = path.startsWith(WEB_PREFIX)
      ? web(req, res, path, query)
      : m && req.method === 'POST'
        ? invoke(req, res, m[1], m[2])
        : path === FAULTS_PATH
          ? control(req, res)
          : req.method === 'GET'
            ? consoleHost(req, res, path)
            : Promise.resolve(send(res, { status: 404, body: { error: 'The requested resource does not exist.' } }));
    work.catch((err: Error) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'local_runtime_error', message: err.message } });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(o.port, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const idle = async (): Promise<void> => {
    while (running.size) await Promise.all([...running]);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    namespace,
    faults,
    journal: journal.stats,
    idle,
    invokers,
    invoker: invokers.forActivation({ where: 'none' }),
    session,
    close: async () => {
      for (const s of hanging) s.destroy();
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
      await idle();
      // every action's container is this process: what their stats recorders hold is written before it stops
      await flushPendingStats();
      await journal.close();
    },
  };
}
