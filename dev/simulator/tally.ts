/** What the simulated Marketo saw: each answer checked against its expectation, tallied for the status line and the summary. */
import type { PlannedRequest } from '../traffic/plan';

export interface Answer {
  /** 0 when no answer came (connection refused, timeout) */
  status: number;
  body: Record<string, unknown>;
}

export interface Result {
  req: PlannedRequest;
  answer: Answer;
  /** the answer matched the expectation */
  ok: boolean;
  /** the answer in words, e.g. "accepted 5 → user-audit=5" or "rejected signature_invalid" */
  outcome: string;
}

const total = (counts: unknown): number => Object.values((counts as Record<string, number> | undefined) ?? {}).reduce((a, n) => a + Number(n), 0);

export function matches(req: PlannedRequest, a: Answer): boolean {
  const expect = req.expect;
  if (expect.outcome === 'rejected') return a.status === expect.status;
  if (a.status !== 200) return false;
  // the registration challenge comes back as JSON {challenge} or as text/plain
  if (req.kind === 'challenge') return (a.body.challenge ?? a.body.text) === new URLSearchParams(req.query).get('challenge');
  const accepted = Number(a.body.accepted ?? 0);
  // a redelivery: every event recognised as already handed off, nothing forwarded again
  if (expect.outcome === 'duplicate') return accepted > 0 && Number(a.body.duplicates ?? 0) === accepted && total(a.body.forwarded) === 0;
  return a.body.status === 'accepted' && accepted > 0;
}

export function describeAnswer(a: Answer): string {
  const b = a.body;
  if (a.status === 0) return `no answer: ${String(b.error)}`;
  if (a.status !== 200) return `rejected ${String(b.error ?? 'error')}`;
  if (b.challenge !== undefined || b.text !== undefined) return `challenge answered`;
  const fwd = Object.entries((b.forwarded as Record<string, number>) ?? {}).map(([r, n]) => `${r}=${n}`).join(' ') || 'none';
  const extra = (['duplicates', 'parked', 'quarantined', 'unrouted'] as const).filter((k) => Number(b[k] ?? 0) > 0).map((k) => `, ${k} ${String(b[k])}`).join('');
  return `accepted ${String(b.accepted ?? 0)}, forwarded ${fwd}${extra}`;
}

const add = (m: Record<string, number>, k: string, n = 1): void => void (m[k] = (m[k] ?? 0) + n);

export class Tally {
  readonly started = Date.now();
  requests = 0;
  acceptedEvents = 0;
  duplicates = 0;
  parked = 0;
  quarantined = 0;
  unrouted = 0;
  noAnswer = 0;
  forwarded: Record<string, number> = {};
  /** rejections by HTTP status and error code, e.g. "401 signature_invalid" */
  rejected: Record<string, number> = {};
  unexpected: { label: string; status: number; body: unknown; expected: string }[] = [];
  /** answer times of the last few seconds, for the current rate */
  private recent: number[] = [];

  record(req: PlannedRequest, answer: Answer): Result {
    this.requests++;
    this.recent.push(Date.now());
    const b = answer.body;
    if (answer.status === 200) {
      this.acceptedEvents += Number(b.accepted ?? 0);
      this.duplicates += Number(b.duplicates ?? 0);
      this.parked += Number(b.parked ?? 0);
      this.quarantined += Number(b.quarantined ?? 0);
      this.unrouted += Number(b.unrouted ?? 0);
      for (const [route, n] of Object.entries((b.forwarded as Record<string, number>) ?? {})) add(this.forwarded, route, n);
    } else if (answer.status === 0) this.noAnswer++;
    else add(this.rejected, `${answer.status} ${String(b.error ?? 'error')}`);
    const ok = matches(req, answer);
    const expected = req.expect.outcome === 'rejected' ? `rejected ${req.expect.status}` : req.expect.outcome;
    if (!ok) this.unexpected.push({ label: req.label, status: answer.status, body: b, expected });
    return { req, answer, ok, outcome: describeAnswer(answer) };
  }

  /** requests answered per second over the last 5 s (since the start when shorter) */
  rate(): number {
    const now = Date.now();
    while (this.recent.length && this.recent[0] < now - 5000) this.recent.shift();
    return this.recent.length / Math.max(0.001, Math.min(5, (now - this.started) / 1000));
  }

  line(): string {
    const list = (m: Record<string, number>, key = (k: string): string => k): string => Object.keys(m).sort().map((k) => `${key(k)}=${m[k]}`).join(' ') || '0';
    const more = `${this.quarantined ? ` | quarantined ${this.quarantined}` : ''}${this.noAnswer ? ` | no answer ${this.noAnswer}` : ''}`;
    // fixed-width facts first, the open-ended lists last (a narrow terminal cuts the end)
    return `${this.rate().toFixed(1)} req/s | ${this.requests} req | unexpected ${this.unexpected.length} | accepted ${this.acceptedEvents} | duplicates ${this.duplicates} | parked ${this.parked}${more} | forwarded ${list(this.forwarded)} | rejected ${list(this.rejected, (c) => c.split(' ')[1])}`;
  }

  summary(): string {
    const secs = (Date.now() - this.started) / 1000;
    const rows: [string, string | number][] = [
      ['requests', `${this.requests} in ${secs.toFixed(1)} s (${(this.requests / Math.max(secs, 0.001)).toFixed(1)}/s)`],
      ['events accepted', this.acceptedEvents],
      ...Object.entries(this.forwarded).map(([r, n]): [string, number] => [`forwarded → ${r}`, n]),
      ['duplicates skipped', this.duplicates],
      ['parked', this.parked],
      ['quarantined', this.quarantined],
      ['unrouted', this.unrouted],
      ...Object.entries(this.rejected).map(([c, n]): [string, number] => [`rejected ${c}`, n]),
      ...(this.noAnswer ? [['no answer', this.noAnswer] as [string, number]] : []),
      ['unexpected outcomes', this.unexpected.length],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
  }
}
