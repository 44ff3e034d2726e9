/**
 * Forwarding: for each route, non-blocking invocations carrying that route's
 * events as `{ route, events }`, split so no invocation's params exceed the
 * Runtime limit, run concurrently with a bound, each retried once (with jitter)
 * when throttled or failed, within the delivery's time budget.
 */
import type { Envelope } from '../envelope/envelope';
import type { Invoker } from './invoker';
import { provenToFit, type PayloadBound } from './param-size';

export interface ForwardPlan {
  route: string;
  action: string;
  events: Envelope[];
  /** bound of the events' payload bytes, when they came from one request body */
  payloads?: PayloadBound;
  /** sent as `attempts` beside route and events (a destination action's record replayed: its attempts so far); within OVERHEAD */
  attempts?: number;
}

export interface ForwardOptions {
  concurrency: number;
  timeoutMs: number;
  maxParamBytes: number;
  /** epoch ms after which no new attempt starts */
  deadline: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** the retry waits a random time in [retryDelayMs / 5, retryDelayMs] (default 250) */
  retryDelayMs?: number;
}

export interface ChunkFailure {
  events: Envelope[];
  reason: string;
  attempts: number;
  /** no retry can succeed (too large, target missing, invalid): replay dead-letters it */
  permanent: boolean;
}

export interface ForwardResult {
  route: string;
  action: string;
  handedOff: Envelope[];
  activationIds: string[];
  failed: ChunkFailure[];
}

const OVERHEAD = 64;

/**
 * Splits events into chunks whose `{ route, events }` JSON stays within maxBytes.
 * The common case, everything in one invocation, is decided by the payload
 * bound when there is one (no serialization); otherwise each event is measured.
 */
export function splitForParams(route: string, events: Envelope[], maxBytes: number, payloads?: PayloadBound): Envelope[][] {
  const base = OVERHEAD + Buffer.byteLength(route);
  if (events.length <= 1) return events.length ? [events] : [];
  if (payloads && provenToFit(events, payloads, maxBytes - base)) return [events];
  const chunks: Envelope[][] = [];
  let current: Envelope[] = [];
  let size = base;
  for (const event of events) {
    const bytes = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = base;
    }
    current.push(event);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Runs `tasks` with at most `limit` in flight; results keep the tasks' order. */
export async function runBounded<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type ChunkOutcome = { ok: true; activationId: string } | { ok: false; reason: string; attempts: number; permanent: boolean };

async function invokeChunk(invoker: Invoker, plan: ForwardPlan, events: Envelope[], o: ForwardOptions): Promise<ChunkOutcome> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const random = o.random ?? Math.random;
  if (events.length === 1 && Buffer.byteLength(JSON.stringify(events[0])) + OVERHEAD > o.maxParamBytes) {
    return { ok: false, reason: 'event_too_large: one event exceeds the invocation parameter limit', attempts: 0, permanent: true };
  }
  let attempts = 0;
  let permanent = false;
  let reason = 'no attempt made: delivery time budget exhausted';
  for (let attempt = 0; attempt < 2; attempt++) {
    const max = o.retryDelayMs ?? 250;
    const jitter = attempt === 0 ? 0 : Math.floor(max / 5 + random() * (max * 0.8));
    if (now() + jitter + o.timeoutMs > o.deadline) break;
    if (jitter) await sleep(jitter);
    attempts++;
    const res = await invoker.invoke(plan.action, { route: plan.route, events, ...(plan.attempts !== undefined ? { attempts: plan.attempts } : {}) }, o.timeoutMs);
    if (res.ok) return { ok: true, activationId: res.activationId };
    reason = res.reason;
    if (!res.retryable) {
      permanent = true;
      break;
    }
  }
  return { ok: false, reason, attempts, permanent };
}

export async function forwardAll(invoker: Invoker, plans: ForwardPlan[], o: ForwardOptions): Promise<ForwardResult[]> {
  const results = plans.map((p) => ({ route: p.route, action: p.action, handedOff: [] as Envelope[], activationIds: [] as string[], failed: [] as ChunkFailure[] }));
  const tasks: (() => Promise<void>)[] = [];
  plans.forEach((plan, i) => {
    let chunks: Envelope[][];
    try {
      chunks = splitForParams(plan.route, plan.events, o.maxParamBytes, plan.payloads);
    } catch (err) {
      // an event that cannot be measured (poison the screen missed): fail the plan, never throw past the claims
      results[i].failed.push({ events: plan.events, reason: `internal_error: ${(err as Error)?.name ?? 'Error'}`, attempts: 0, permanent: false });
      return;
    }
    for (const chunk of chunks) {
      tasks.push(async () => {
        // never throws: a chunk that cannot even be attempted is a failed chunk, so every claim is settled
        const res = await invokeChunk(invoker, plan, chunk, o).catch(
          (err: Error): ChunkOutcome => ({ ok: false, reason: `internal_error: ${err?.name ?? 'Error'}`, attempts: 0, permanent: false }),
        );
        if (res.ok) {
          results[i].handedOff.push(...chunk);
          results[i].activationIds.push(res.activationId);
        } else {
          results[i].failed.push({ events: chunk, reason: res.reason, attempts: res.attempts, permanent: res.permanent });
        }
      });
    }
  });
  await runBounded(tasks, o.concurrency);
  return results;
}
