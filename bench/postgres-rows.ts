/**
 * Rows per second from the postgres destination into a real PostgreSQL server (Debian's
 * `postgresql`, started by test/support/postgres-server.ts): 500-event batches of
 * lead activities (≈ 0.8 KB of envelope each) into a fresh table, one attempt at a
 * time and four at once (four activations of one container sharing its pool), then the
 * same batches again (a replay: every row already there). Goal (issue 25, P7's table
 * side): ≥ 10,000 rows/s on the 2-core machine. Runnable alone:
 * `npx tsx bench/postgres-rows.ts [--quick]`.
 */
import type { Envelope } from '../src/envelope/envelope';
import type { DestinationBatch } from '../src/destinations/destination';
import { createPostgresDestination, parsePostgresConfig } from '../src/destinations/postgres';
import { hasPostgresServer, POSTGRES_MISSING, startPostgres } from '../test/support/postgres-server';

export interface PostgresRowsRow {
  phase: string;
  rows: number;
  added: number;
  ms: number;
  rowsPerSecond: number;
}

/** The n-th of a stream of distinct Fill Out Form activities as the relay's envelopes (≈ 0.8 KB each). */
export const activity = (n: number): Envelope => ({
  id: String(900_000_000 + n),
  stream: 'lead-activity',
  type: 'com.adobe.platform.marketo.lead.activity',
  source: 'urn:mlm',
  time: new Date(Date.UTC(2026, 2, 2) + n * 37).toISOString(),
  transport: 'legacy-push',
  receivedAt: new Date(Date.UTC(2026, 2, 2) + n * 37 + 900).toISOString(),
  munchkinId: '123-ABC-456',
  leadId: String(10_000 + (n % 5000)),
  activityTypeId: 2,
  activityType: 'Fill Out Form',
  data: {
    id: 900_000_000 + n,
    marketoGUID: String(900_000_000 + n),
    leadId: 10_000 + (n % 5000),
    activityDate: new Date(Date.UTC(2026, 2, 2) + n * 37).toISOString(),
    activityTypeId: 2,
    primaryAttributeValueId: 1042,
    primaryAttributeValue: 'LP - Webinar Registration',
    attributes: [
      { name: 'Client IP Address', value: `203.0.113.${n % 250}` },
      { name: 'Form Fields', value: `{"FirstName":"Ada${n}","LastName":"Lovelace","Email":"ada${n}@example.com","Company":"Analytical Engines"}` },
      { name: 'Query Parameters', value: 'utm_source=newsletter&utm_medium=email&utm_campaign=spring' },
      { name: 'Referrer URL', value: 'https://www.example.com/webinars/spring' },
      { name: 'User Agent', value: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' },
      { name: 'Webpage ID', value: 7781 },
    ],
  },
});

export async function runPostgresRows(o: { quick?: boolean } = {}): Promise<PostgresRowsRow[]> {
  const pg = await startPostgres();
  const batches = o.quick ? 20 : 80;
  const size = 500;
  const all: DestinationBatch[] = Array.from({ length: batches }, (_, b) => ({
    route: 'forms',
    batchId: `bench-${b}`,
    events: Array.from({ length: size }, (_, i) => activity(b * size + i)),
  }));
  const rows: PostgresRowsRow[] = [];
  try {
    const parsed = parsePostgresConfig({ kind: 'postgres', url: pg.url, table: 'marketo_events' }, { local: true });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const d = createPostgresDestination('warehouse', parsed.value, { poolSize: 4 });
    // the table made and the pool warm, as in a warm container (one batch outside the figures)
    await d.send({ route: 'warm-up', batchId: 'w', events: [activity(-1)] }, { deadline: Date.now() + 30_000, now: Date.now });
    const phase = async (name: string, parts: DestinationBatch[][]): Promise<void> => {
      let added = 0;
      const start = performance.now();
      await Promise.all(
        parts.map(async (part) => {
          for (const batch of part) {
            const r = await d.send(batch, { deadline: Date.now() + 30_000, now: Date.now });
            if (r.outcome !== 'delivered') throw new Error(`${name}: ${JSON.stringify(r)}`);
            added += Number(/^(\d+) rows added/.exec(r.detail ?? '')?.[1]);
          }
        }),
      );
      const ms = performance.now() - start;
      const n = parts.reduce((s, p) => s + p.length * size, 0);
      rows.push({ phase: name, rows: n, added, ms, rowsPerSecond: (n / ms) * 1000 });
    };
    const half = batches / 2;
    await phase('one attempt at a time', [all.slice(0, half)]);
    const quarter = (xs: DestinationBatch[]): DestinationBatch[][] => [0, 1, 2, 3].map((k) => xs.filter((_, i) => i % 4 === k));
    await phase('four attempts at once', quarter(all.slice(half)));
    await phase('the same batches again (replay: 0 rows added)', quarter(all));
    await d.close?.();
  } finally {
    await pg.dispose();
  }
  return rows;
}

export const postgresRowsReport = (rows: PostgresRowsRow[], goal = 10_000): string[] => [
  '| phase | rows | added | s | rows/s |',
  '|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.phase} | ${r.rows.toLocaleString('en')} | ${r.added.toLocaleString('en')} | ${(r.ms / 1000).toFixed(2)} | ${Math.round(r.rowsPerSecond).toLocaleString('en')}${r.rowsPerSecond >= goal ? '' : ' (under the goal)'} |`),
];

if (require.main === module) {
  if (!hasPostgresServer()) {
    process.stderr.write(`${POSTGRES_MISSING}\n`);
    process.exit(0);
  }
  runPostgresRows({ quick: process.argv.includes('--quick') }).then(
    (rows) => process.stdout.write(`${postgresRowsReport(rows).join('\n')}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
