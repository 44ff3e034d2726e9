/**
 * Why the crash soak saw a (route, event) pair forwarded more than once, from
 * the downstream's record of each hand-off (when it arrived, how long it took
 * to answer, the relay activation's transaction id), the kill and store-fault
 * times, and the relay's own log lines. Every at-least-once window has a cause;
 * anything else is `other`, a defect that fails the soak.
 */
import { existsSync, readFileSync } from 'node:fs';

/**
 * The (route, event id) pairs whose hand-off the relay reported as failed in a
 * delivery's log line: a route's failure (timeout, network error) names the
 * route; the line lists the delivery's event ids. A pair forwarded twice whose
 * hand-off the relay also saw fail was accepted by the platform with the relay
 * never hearing it in time (its event loop or socket slower than the forward
 * timeout, though the downstream answered quickly).
 */
function failedHandOffs(logFile: string, candidates: Set<string>): Set<string> {
  const failed = new Set<string>();
  if (!candidates.size || !existsSync(logFile)) return failed;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"failures":[{')) continue;
    let r: { eventIds?: string[]; failures?: { route: string }[] };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue;
    }
    for (const f of r.failures ?? []) for (const id of r.eventIds ?? []) if (candidates.has(`${f.route} ${id}`)) failed.add(`${f.route} ${id}`);
  }
  return failed;
}

export interface HandOff {
  /** when it reached the downstream (epoch ms) */
  at: number;
  activationId: string;
  /** the relay activation's transaction id (x-request-id) */
  tid?: string;
}

/** Every (route, event) pair the downstream recorded, with its hand-offs in the order they arrived. */
export function readForwarded(file: string): Map<string, HandOff[]> {
  const forwarded = new Map<string, HandOff[]>();
  if (!existsSync(file)) return forwarded;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { route: string; at: number; activationId: string; tid?: string; ids: string[] };
    for (const id of r.ids) {
      const key = `${r.route} ${id}`;
      const h = { at: r.at, activationId: r.activationId, tid: r.tid };
      const list = forwarded.get(key);
      if (list) list.push(h);
      else forwarded.set(key, [h]);
    }
  }
  return forwarded;
}

/**
 * How long after the platform accepted a hand-off the relay commits its claim at
 * the latest: the delivery's other hand-offs (a forward timeout and a retry
 * delay, FORWARD_TIMEOUT_MS 2.5 s + FORWARD_RETRY_DELAY_MS 0.25 s), then the
 * commit itself (STORE_TIMEOUT_MS 1.5 s), the relay's defaults, which the soak
 * keeps. A kill inside this window forwards the events again once the claim is
 * taken over: the at-least-once window, which no store closes while the
 * platform's accept cannot be asked again (OpenWhisk generates activation ids;
 * an invocation carries no key to find it by).
 */
export const COMMIT_WINDOW_MS = 2500 + 250 + 1500;

/**
 * How long before its arrival at the downstream a hand-off may have left a relay
 * that was then killed: the kernel still delivers what the process had written
 * to its socket (measured: an invocation recorded 1 ms after the SIGKILL), and the
 * downstream, sharing this process with the senders, reads it when it gets to it.
 */
export const IN_TRANSIT_MS = 1000;

/** The relay's forward timeout (FORWARD_TIMEOUT_MS, default kept by the soak). */
export const FORWARD_TIMEOUT_MS = 2500;

export type DuplicateCause = 'kill' | 'storeFault' | 'lateAnswer' | 'other';

/** A time the store was broken (epoch ms), and how much of what it had acknowledged before it may have lost. */
export interface StoreFault {
  from: number;
  to: number;
  /** redis-server killed: its AOF fsyncs every second, so up to 1,000 ms of acknowledged writes */
  lostMs: number;
}

/**
 * Why a pair was forwarded more than once, from its first hand-off: a relay kill
 * within COMMIT_WINDOW_MS after it reached the downstream, or while it was on its
 * way (accepted, claim not yet committed); the downstream answering it only after the relay's forward timeout
 * (the relay cannot tell an accept it never heard from a failure, so it retries or
 * parks: at least once; runScenario also counts here the accepts answered in time
 * that the relay still heard too late, seen by its retry carrying the same
 * transaction id or by its log line reporting that route's hand-off failed); or the store breaking between the hand-off and its
 * commit (read-only, full, stopped: the commit fails, the claim stays pending until
 * it is taken over), or losing the commit afterwards (redis-server killed: the AOF
 * fsyncs every second). Anything else is `other`, a defect.
 */
export function classifyDuplicate(firstAt: number, kills: number[], storeFaults: StoreFault[], firstAnswerMs = 0): DuplicateCause {
  if (kills.some((k) => k >= firstAt - IN_TRANSIT_MS && k - firstAt <= COMMIT_WINDOW_MS)) return 'kill';
  if (firstAnswerMs >= FORWARD_TIMEOUT_MS) return 'lateAnswer';
  if (storeFaults.some((f) => firstAt >= f.from - f.lostMs - COMMIT_WINDOW_MS && firstAt <= f.to + COMMIT_WINDOW_MS)) return 'storeFault';
  return 'other';
}

/** What the soak reports of the duplicates, and a description of each unexplained one (at most 8). */
export function explainDuplicates(
  forwarded: Map<string, HandOff[]>,
  o: { kills: number[]; storeFaults: StoreFault[]; answerMs: Map<string, number>; relayLog: string; t0: number },
): { duplicated: number; duplicatesBy: Record<DuplicateCause, number>; unexplained: string[] } {
  const unexplained: string[] = [];
  let duplicated = 0;
  const duplicatesBy: Record<DuplicateCause, number> = { kill: 0, storeFault: 0, lateAnswer: 0, other: 0 };
  const causes = new Map<string, DuplicateCause>();
  for (const [pair, handOffs] of forwarded) {
    if (handOffs.length < 2) continue;
    const first = handOffs[0];
    // the relay retried within one activation (one transaction id): it did not hear the first accept in time
    const retriedByRelay = first.tid !== undefined && handOffs.slice(1).some((h) => h.tid === first.tid);
    causes.set(pair, retriedByRelay ? 'lateAnswer' : classifyDuplicate(first.at, o.kills, o.storeFaults, o.answerMs.get(first.activationId)));
  }
  // an accept the relay timed out on and parked: its delivery's log line names the route's failure
  const parkedAfterAccept = failedHandOffs(o.relayLog, new Set([...causes].filter(([, c]) => c === 'other').map(([p]) => p)));
  for (const [pair, cause] of causes) {
    const handOffs = forwarded.get(pair) as HandOff[];
    const why = cause === 'other' && parkedAfterAccept.has(pair) ? 'lateAnswer' : cause;
    duplicated += handOffs.length - 1;
    duplicatesBy[why] += handOffs.length - 1;
    if (why === 'other' && unexplained.length < 8) {
      const answers = handOffs.map((h) => `${h.at - o.t0} ms (answered in ${o.answerMs.get(h.activationId) ?? '?'} ms)`);
      unexplained.push(`duplicate not explained by a kill, a late answer or a store fault: ${pair} handed off at ${answers.join(', ')}; kills at ${o.kills.map((t) => t - o.t0).join(', ')} ms`);
    }
  }
  return { duplicated, duplicatesBy, unexplained };
}
