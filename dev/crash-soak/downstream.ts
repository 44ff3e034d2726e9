/**
 * The downstream platform of the crash soak, in a process of its own that is
 * never killed: the part of the OpenWhisk REST API the relay's `openwhisk`
 * client calls (`POST /api/v1/namespaces/<ns>/actions/<pkg>/<action>?blocking=false`,
 * HTTP Basic with the namespace key), answering `202 {activationId}` only once
 * the invocation is on disk (appended, fsync'd; concurrent invocations share one
 * fsync), as the platform acknowledges only what it has accepted. Each record is
 * `{ action, route, activationId, at, tid, ids }`: the (route, event id) pairs the
 * relay handed off, when (epoch ms) the invocation arrived, and the transaction id
 * it carried (`x-request-id`: the relay activation's, the same on its retries).
 *
 * Faults for chosen targets, switched at run time by the soak:
 * `POST /__faults {"<pkg/action>|*": "ok" | "429" | "503" | "refuse" | "hang" | "slow"}`.
 *
 * `forward` (the destination scenarios): invocations of the named actions are not
 * recorded here but passed on, as they came, to the invoke API of another local
 * runtime (the destination runtime, a process the soak kills on its own), and its
 * answer returned; nothing listening there is a 503, as the platform answers when
 * it cannot take an invocation.
 *
 * Run: `node --import tsx dev/crash-soak/downstream.ts <records.jsonl> <apiKey>`;
 * prints `{"url": …}` once listening.
 */
import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type DownstreamFault = 'ok' | '429' | '503' | 'refuse' | 'hang' | 'slow';
/** `slow`: the invocation is recorded at once, the 202 sent this much later (past the relay's 2.5 s forward timeout) */
export const SLOW_ANSWER_MS = 3000;
const INVOKE = /^\/api\/v1\/namespaces\/[^/]+\/actions\/(.+)$/;

export interface Downstream {
  url: string;
  /** how long (ms) each accepted invocation took from its arrival to its 202, by activation id */
  answerMs: Map<string, number>;
  close(): Promise<void>;
}

export async function startDownstream(recordsFile: string, apiKey: string, port = 0, forward: Record<string, string> = {}): Promise<Downstream> {
  const file: FileHandle = await open(recordsFile, 'a');
  const expectedAuth = `Basic ${Buffer.from(apiKey).toString('base64')}`;
  let faults: Record<string, DownstreamFault> = {};
  const hung = new Set<http.ServerResponse>();
  const answerMs = new Map<string, number>();

  // group commit: every invocation waiting in `queue` is written and fsync'd together
  let queue: { line: string; done: (err?: Error) => void }[] = [];
  let committing = false;
  async function commit(): Promise<void> {
    if (committing) return;
    committing = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        await file.write(batch.map((b) => b.line).join(''));
        await file.datasync();
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err as Error);
      }
    }
    committing = false;
  }
  const record = (line: string): Promise<void> =>
    new Promise((resolve, reject) => {
      queue.push({ line, done: (err) => (err ? reject(err) : resolve()) });
      void commit();
    });

  const send = (res: http.ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const body = Buffer.concat(chunks).toString('utf8');
      if (path === '/__faults' && req.method === 'POST') {
        faults = JSON.parse(body) as Record<string, DownstreamFault>;
        if (!Object.values(faults).includes('hang')) for (const r of hung) r.destroy();
        return send(res, 200, faults);
      }
      const m = INVOKE.exec(path);
      if (!m || req.method !== 'POST') return send(res, 404, { error: 'The requested resource does not exist.' });
      if (req.headers.authorization !== expectedAuth) return send(res, 401, { error: 'The supplied authentication is invalid' });
      const action = decodeURIComponent(m[1]);
      const to = forward[action];
      if (to !== undefined) {
        const headers: Record<string, string> = { 'content-type': 'application/json', authorization: expectedAuth };
        if (typeof req.headers['x-request-id'] === 'string') headers['x-request-id'] = req.headers['x-request-id'];
        return void (async () => {
          try {
            const r = await fetch(to + (req.url ?? '/'), { method: 'POST', headers, body });
            const text = await r.text();
            res.writeHead(r.status, { 'content-type': 'application/json' }).end(text);
          } catch {
            send(res, 503, { error: 'Service Unavailable' });
          }
        })();
      }
      const fault = faults[action] ?? faults['*'] ?? 'ok';
      if (fault === 'hang') return void hung.add(res);
      if (fault === 'refuse') return void req.socket.destroy();
      if (fault === '429') return send(res, 429, { error: 'Too many requests in the last minute' });
      if (fault === '503') return send(res, 503, { error: 'Service Unavailable' });
      let params: { route?: unknown; events?: { id?: unknown }[] };
      try {
        params = JSON.parse(body) as typeof params;
      } catch {
        return send(res, 400, { error: 'The request content was malformed' });
      }
      const ids = Array.isArray(params.events) ? params.events.map((e) => String(e?.id)) : [];
      const activationId = randomBytes(16).toString('hex');
      const at = Date.now();
      const tid = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
      const answer = (): void => (answerMs.set(activationId, Date.now() - at), send(res, 202, { activationId }));
      record(`${JSON.stringify({ action, route: params.route, activationId, at, tid, ids })}\n`).then(
        () => (fault === 'slow' ? void setTimeout(answer, SLOW_ANSWER_MS) : answer()),
        (err: Error) => send(res, 503, { error: `could not record: ${err.message}` }),
      );
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answerMs,
    close: async () => {
      for (const r of hung) r.destroy();
      await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
      await file.close();
    },
  };
}

if (require.main === module) {
  const [records, key] = process.argv.slice(2);
  startDownstream(records, key).then((d) => console.log(JSON.stringify({ url: d.url })), (err: Error) => (console.error(err.message), process.exit(1)));
}
