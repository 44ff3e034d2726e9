/**
 * Status per destination: what each container's destination action counted
 * (delivered, parked, failed, last error) is summed across containers and
 * hours, shown in the text form, and a destination whose last error is newer
 * than its last delivery is a warning.
 */
import { buildStatusReport } from '../../src/status/report';
import { statusText } from '../../src/status/status';
import { createStatsRecorder, type StatsHour } from '../../src/status/stats';
import { createMemoryKv } from '../../src/stores/memory-kv';

const at = Date.parse('2026-03-02T12:10:00.000Z');

async function hours(records: { container: string; at: number; delivered: number; parked: number; failed: number; lastError?: string }[]): Promise<StatsHour[]> {
  const kv = createMemoryKv(() => at);
  for (const c of [...new Set(records.map((r) => r.container))]) {
    const rec = createStatsRecorder(async () => kv, { containerId: c, now: () => at, flushIntervalMs: 0 });
    for (const r of records.filter((x) => x.container === c)) rec.recordDestination({ destination: 'crm', ...r });
    await rec.flush();
  }
  const out: StatsHour[] = [];
  for await (const k of kv.keys('stats-')) out.push(JSON.parse((await kv.get(k)) as string) as StatsHour);
  return out;
}

describe('destinations in status', () => {
  it('sums delivered / parked / failed over containers and keeps the newest last error', async () => {
    const stats = await hours([
      { container: 'a', at, delivered: 100, parked: 0, failed: 0 },
      { container: 'b', at: at + 60_000, delivered: 0, parked: 3, failed: 0, lastError: 'HTTP 503' },
      { container: 'a', at: at + 120_000, delivered: 0, parked: 0, failed: 2, lastError: 'rejected by crm: HTTP 400' },
    ]);
    const r = buildStatusReport({ stats, now: at + 180_000 });
    expect(r.destinations).toEqual({ crm: { delivered: 100, parked: 3, failed: 2, lastDeliveredAt: '2026-03-02T12:10:00.000Z', lastError: { time: '2026-03-02T12:12:00.000Z', message: 'rejected by crm: HTTP 400' } } });
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'destination_failing', message: expect.stringMatching(/^destination crm: not delivering since 2026-03-02T12:12:00.000Z/) })]);
    expect(statusText(r)).toContain('destination crm            delivered 100  parked 3  failed 2');
  });
  it('no warning once it delivers again', async () => {
    const stats = await hours([
      { container: 'a', at, delivered: 0, parked: 3, failed: 0, lastError: 'HTTP 503' },
      { container: 'a', at: at + 60_000, delivered: 3, parked: 0, failed: 0 },
    ]);
    expect(buildStatusReport({ stats, now: at + 120_000 }).warnings).toEqual([]);
  });
});
