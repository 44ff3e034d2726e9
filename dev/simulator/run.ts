/** The two ways to drive the relay: one of each kind (--once), or a continuous mix at a rate. */
import type { PlannedRequest } from '../traffic/plan';
import type { SimulatedMarketo } from './marketo';
import { Tally } from './tally';

export async function runOnce(sim: SimulatedMarketo, baseUrl: string, print: (line: string) => void): Promise<Tally> {
  const tally = new Tally();
  for (const req of await sim.plan.once()) {
    const answer = await sim.send(baseUrl, req);
    const ok = tally.record(req, answer);
    const what = answer.status === 200 ? `accepted ${JSON.stringify(answer.body.forwarded ?? answer.body.challenge ?? {})}${answer.body.duplicates ? ` duplicates=${answer.body.duplicates}` : ''}` : String(answer.body.error);
    print(`${ok ? 'ok  ' : 'FAIL'} ${req.label.padEnd(44)} → ${answer.status} ${what}`);
  }
  return tally;
}

export interface ContinuousOptions {
  rate: number;
  durationMs?: number;
  maxInFlight?: number;
  onTick?: (tally: Tally) => void;
  tickMs?: number;
  /** resolves when the run should stop (Ctrl-C) */
  stop: Promise<void>;
}

export async function runContinuous(sim: SimulatedMarketo, baseUrl: string, o: ContinuousOptions): Promise<Tally> {
  const tally = new Tally();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  void o.stop.then(() => (stopped = true));
  const end = o.durationMs ? Date.now() + o.durationMs : Infinity;
  const interval = 1000 / o.rate;
  const ticker = setInterval(() => o.onTick?.(tally), o.tickMs ?? 250);
  let next = Date.now();
  try {
    while (!stopped && Date.now() < end) {
      if (inFlight.size < (o.maxInFlight ?? 16)) {
        const req: PlannedRequest = await sim.plan.next();
        const p: Promise<void> = sim
          .send(baseUrl, req)
          .then((a) => void tally.record(req, a))
          .catch((err: Error) => void tally.unexpected.push({ label: req.label, status: 0, body: err.message }))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await Promise.race([new Promise((r) => setTimeout(r, wait)), o.stop]);
      else next = Date.now();
    }
    await Promise.all([...inFlight]);
  } finally {
    clearInterval(ticker);
    o.onTick?.(tally);
  }
  return tally;
}
