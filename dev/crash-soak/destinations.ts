/**
 * The crash soak's destinations (issue 25, "nothing lost to the last hop"): a
 * Standard Webhooks receiver (dev/webhook-receiver.ts, every request verified by
 * the spec's reference library `standardwebhooks`) and a real PostgreSQL server
 * (test/support/postgres-server.ts), both in or under the soak's own process and
 * never killed with the relay, with their faults switched at run time:
 *   webhook `503` (every request answered 503), `refuse` (the receiver stopped:
 *   connections refused), `hang` (requests read, never answered: past the
 *   destination's timeout), `ok`; postgres `stop` (fast shutdown) and `start`.
 * Afterwards every (route, event) pair acknowledged to a sender is looked for at
 * the receiver (among the requests it answered 2xx) and in the table:
 *   lost       = acknowledged, never delivered
 *   duplicated = delivered more than once; at the receiver each extra delivery
 *                is attributed by its `webhook-id`: one already answered 2xx for
 *                that pair (a receiver deduplicating by webhook-id drops it, as
 *                the spec asks) or a new one (a duplicate it cannot tell)
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startPostgres, type PostgresServer } from '../../test/support/postgres-server';
import { freePort } from '../net';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../webhook-receiver';

export type WebhookFault = 'ok' | '503' | 'refuse' | 'hang';
export type PostgresFault = 'stop' | 'start';

/** The webhook destination's attempt timeout in the soak: a hanging receiver costs an attempt this long. */
export const SOAK_WEBHOOK_TIMEOUT_MS = 2000;
const TABLE = 'soak_events';
/** The routes (SOAK_DESTINATION_ROUTES) whose pairs are looked for at the receiver and in the table. */
export const WEBHOOK_ROUTE = 'hooks';
export const TABLE_ROUTE = 'rows';

export interface DestinationCount {
  /** acknowledged pairs of this destination's route */
  acked: number;
  delivered: number;
  lost: number;
  /** deliveries beyond the first */
  duplicated: number;
  /** of `duplicated`: under a webhook-id already answered 2xx for the pair (0 for the table) */
  sameId: number;
  /** of `duplicated`: under a webhook-id not seen for the pair before (a duplicate no receiver can tell) */
  newId: number;
  lostSample: string[];
}

export interface DestinationRig {
  /** DESTINATIONS for the destination runtime (loopback http: accepted by the local runtime) */
  destinations: string;
  webhook(f: WebhookFault): Promise<void>;
  postgres(f: PostgresFault): Promise<void>;
  /** every destination pair delivered so far (receiver 2xx + table rows), for waiting until nothing changes */
  progress(): Promise<number>;
  count(acked: Iterable<string>): Promise<{ webhook: DestinationCount; table: DestinationCount; unverified: number }>;
  close(): Promise<void>;
}

const empty = (): DestinationCount => ({ acked: 0, delivered: 0, lost: 0, duplicated: 0, sameId: 0, newId: 0, lostSample: [] });

export async function startDestinationRig(): Promise<DestinationRig> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const port = await freePort();
  let receiver: WebhookReceiver | undefined = await startWebhookReceiver({ secret, port });
  const url = receiver.url;
  // the requests of receivers already stopped (a `refuse` fault closes it; `ok` starts a new one on the same port)
  const earlier: ReceivedWebhook[] = [];
  let unverified = 0;
  let fault: WebhookFault = 'ok';
  const behave = (r: WebhookReceiver): void => r.behave(() => (fault === 'hang' ? 'hang' : fault === '503' ? { status: 503, body: 'unavailable' } : { status: 204 }));
  const stopReceiver = async (): Promise<void> => {
    if (!receiver) return;
    const r = receiver;
    receiver = undefined;
    earlier.push(...r.requests);
    unverified += r.unverified;
    await r.close();
  };
  const pg: PostgresServer = await startPostgres();
  let pgUp = true;
  const query = async <T>(sql: string): Promise<T[]> => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const rows = async (): Promise<{ route: string; id: string; n: string }[]> => {
    const exists = await query<{ t: string | null }>(`SELECT to_regclass('${TABLE}') AS t`);
    return exists[0].t === null ? [] : query(`SELECT route, envelope->>'id' AS id, count(*) AS n FROM ${TABLE} GROUP BY 1, 2`);
  };
  const received = (): ReceivedWebhook[] => [...earlier, ...(receiver?.requests ?? [])].filter((r) => r.status >= 200 && r.status < 300);

  return {
    destinations: JSON.stringify({
      crm: { kind: 'webhook', url, secret, timeoutMs: SOAK_WEBHOOK_TIMEOUT_MS },
      warehouse: { kind: 'postgres', url: `${pg.url}?sslmode=disable`, table: TABLE },
    }),
    async webhook(f) {
      fault = f;
      if (f === 'refuse') return stopReceiver();
      if (!receiver) receiver = await startWebhookReceiver({ secret, port });
      behave(receiver);
    },
    async postgres(f) {
      if (f === 'stop' && pgUp) await pg.stop();
      if (f === 'start' && !pgUp) await pg.restart();
      pgUp = f === 'start';
    },
    async progress() {
      return received().reduce((n, r) => n + r.events.length, 0) + (await rows()).reduce((n, r) => n + Number(r.n), 0);
    },
    async count(acked) {
      const webhook = empty();
      const table = empty();
      // per pair, the webhook-ids of its 2xx deliveries, in order of arrival
      const ids = new Map<string, string[]>();
      for (const r of received()) for (const e of r.events) {
        const key = `${r.route} ${e.id}`;
        const list = ids.get(key);
        if (list) list.push(r.id);
        else ids.set(key, [r.id]);
      }
      const inTable = new Map((await rows()).map((r) => [`${r.route} ${r.id}`, Number(r.n)]));
      for (const pair of acked) {
        const route = pair.slice(0, pair.indexOf(' '));
        const c = route === WEBHOOK_ROUTE ? webhook : route === TABLE_ROUTE ? table : undefined;
        if (!c) continue;
        c.acked++;
        const deliveries = route === WEBHOOK_ROUTE ? (ids.get(pair) ?? []) : Array.from({ length: inTable.get(pair) ?? 0 }, () => '');
        if (deliveries.length === 0) {
          c.lost++;
          if (c.lostSample.length < 5) c.lostSample.push(pair);
          continue;
        }
        c.delivered++;
        c.duplicated += deliveries.length - 1;
        if (route === WEBHOOK_ROUTE) deliveries.forEach((id, i) => i > 0 && (deliveries.slice(0, i).includes(id) ? c.sameId++ : c.newId++));
      }
      return { webhook, table, unverified: unverified + (receiver?.unverified ?? 0) };
    },
    async close() {
      await stopReceiver();
      await pg.dispose();
    },
  };
}
