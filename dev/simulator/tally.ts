/** What the simulated Marketo saw: outcomes per request, tallied for the live status line and the summary. */
import type { PlannedRequest } from '../traffic/plan';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export class Tally {
  readonly started = Date.now();
  requests = 0;
  acceptedEvents = 0;
  duplicates = 0;
  parked = 0;
  quarantined = 0;
  forwarded: Record<string, number> = {};
  rejected: Record<string, number> = {};
  unexpected: { label: string; status: number; body: unknown }[] = [];

  record(req: PlannedRequest, answer: Answer): boolean {
    this.requests++;
    const b = answer.body;
    if (answer.status === 200) {
      this.acceptedEvents += Number(b.accepted ?? 0);
      this.duplicates += Number(b.duplicates ?? 0);
      this.parked += Number(b.parked ?? 0);
      this.quarantined += Number(b.quarantined ?? 0);
      for (const [route, n] of Object.entries((b.forwarded as Record<string, number>) ?? {})) this.forwarded[route] = (this.forwarded[route] ?? 0) + n;
    } else {
      const code = `${answer.status} ${String(b.error ?? 'error')}`;
      this.rejected[code] = (this.rejected[code] ?? 0) + 1;
    }
    const expected = req.expect.outcome === 'accepted' ? answer.status === 200 : answer.status === req.expect.status;
    if (!expected) this.unexpected.push({ label: req.label, status: answer.status, body: b });
    return expected;
  }

  line(): string {
    const secs = Math.max(0.001, (Date.now() - this.started) / 1000);
    const fwd = Object.entries(this.forwarded).map(([r, n]) => `${r}=${n}`).join(' ') || '-';
    const rej = Object.entries(this.rejected).map(([c, n]) => `${c.split(' ')[1]}=${n}`).join(' ') || '-';
    return `${(this.requests / secs).toFixed(1)} req/s | accepted ${this.acceptedEvents} | forwarded ${fwd} | duplicates ${this.duplicates} | parked ${this.parked} | rejected ${rej} | unexpected ${this.unexpected.length}`;
  }

  summary(): string {
    const rows: [string, string | number][] = [
      ['requests', this.requests],
      ['duration', `${((Date.now() - this.started) / 1000).toFixed(1)} s`],
      ['events accepted', this.acceptedEvents],
      ...Object.entries(this.forwarded).map(([r, n]): [string, number] => [`forwarded → ${r}`, n]),
      ['duplicates skipped', this.duplicates],
      ['parked', this.parked],
      ['quarantined', this.quarantined],
      ...Object.entries(this.rejected).map(([c, n]): [string, number] => [`rejected ${c}`, n]),
      ['unexpected outcomes', this.unexpected.length],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
  }
}
