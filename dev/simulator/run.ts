/** The ways to drive the relay: the registration challenges, one of each kind (--once), a continuous mix at a rate. */
import type { PlannedRequest } from '../traffic/plan';
import type { SimulatedMarketo } from './marketo';
import { Tally, type Result } from './tally';

/** Sends a request, records its answer, and lets the plan redeliver it later if it was kept in full. */
async function deliver(sim: SimulatedMarketo, baseUrl: string, tally: Tally, req: PlannedRequest): Promise<Result> {
  const answer = await sim.send(baseUrl, req);
  const result = tally.record(req, answer);
  if (result.ok && answer.status === 200) sim.plan.confirm(req, answer.body);
  return result;
}

export const formatResult = (r: Result): string => `${r.ok ? 'ok  ' : 'FAIL'} ${r.req.label.padEnd(52)} → ${String(r.answer.status).padEnd(3)} → ${r.outcome}`;

/** What Adobe does when a webhook is registered: GET ?challenge= on each I/O action. */
export async function registerWebhooks(sim: SimulatedMarketo, baseUrl: string, tally = new Tally()): Promise<Result[]> {
  const streams = [...new Set(sim.plan.streams)];
  return Promise.all(streams.map((s) => deliver(sim, baseUrl, tally, sim.plan.challenge(s))));
}

/** One of each kind, in order; `print` gets one line per request: label → status → outcome. */
export async function runOnce(sim: SimulatedMarketo, baseUrl: string, print: (line: string) => void, onResult?: (r: Result) => void): Promise<Tally> {
  const tally = new Tally();
  for await (const req of sim.plan.once()) {
    const result = await deliver(sim, baseUrl, tally, req);
    print(formatResult(result));
    onResult?.(result);
  }
  return tally;
}

export interface ContinuousOptions {
  /** requests per second */
  rate: number;
  durationMs?: number;
  /** stop after this many requests */
  requests?: number;
  /** requests awaiting an answer at most (default 16); the rate drops when the relay is slower */
  maxInFlight?: number;
  onTick?: (tally: Tally) => void;
  tickMs?: number;
  onResult?: (r: Result) => void;
  /** resolves when the run should stop (Ctrl-C) */
  stop: Promise<void>;
  tally?: Tally;
}

const sleep = (ms: number, stop: Promise<void>): Promise<unknown> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise((r) => (timer = setTimeout(r, ms))), stop]).finally(() => clearTimeout(timer));
};

/** Sends the plan's mix at `rate` until stopped, the duration is over or `requests` were sent; then waits for every answer. */
export async function runContinuous(sim: SimulatedMarketo, baseUrl: string, o: ContinuousOptions): Promise<Tally> {
  const tally = o.tally ?? new Tally();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  void o.stop.then(() => (stopped = true));
  const end = o.durationMs !== undefined ? Date.now() + o.durationMs : Infinity;
  const ticker = setInterval(() => o.onTick?.(tally), o.tickMs ?? 250);
  let sent = 0;
  let next = Date.now();
  try {
    while (!stopped && Date.now() < end && sent < (o.requests ?? Infinity)) {
      if (inFlight.size >= (o.maxInFlight ?? 16)) {
        await Promise.race([...inFlight, o.stop]);
        continue;
      }
      const req = await sim.plan.next();
      sent++;
      const p: Promise<void> = deliver(sim, baseUrl, tally, req)
        .then((r) => o.onResult?.(r))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      next = Math.max(next + 1000 / o.rate, Date.now() - 1000);
      await sleep(next - Date.now(), o.stop);
    }
    await Promise.all([...inFlight]);
  } finally {
    clearInterval(ticker);
    o.onTick?.(tally);
  }
  return tally;
}
