/**
 * What the catalog costs in Marketo REST calls over one simulated day of
 * 1,000,000 lead activities (2,000 pushes of 500, one every 43.2 s), with the
 * scheduled refresh every 6 hours and every container recycled each hour
 * (its token and held catalog lost): the real composition and REST client
 * against the local stand-in, on a fake clock. README "Activity catalog" quotes
 * the figures this prints.
 */
import { main as refreshCatalog } from '../../actions/refresh-catalog/index';
import { legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { startMarketoRestStandIn, type MarketoRestStandIn } from '../../dev/traffic/marketo-rest';
import { payloadBound } from '../../src/delivery/param-size';
import { normalizePushBatch } from '../../src/lead-push/batch';
import { applyCatalog, resetCatalogs } from '../../src/relay/catalog';
import { relayContext, setRelayOverrides } from '../../src/relay/context';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { FakeInvoker } from '../support/fake-invoker';

const M = '111-AAA-222';
let rest: MarketoRestStandIn;
beforeAll(async () => {
  rest = await startMarketoRestStandIn([{ munchkinId: M }]);
});
afterAll(async () => {
  setRelayOverrides({});
  resetCatalogs();
  await rest.close();
});

async function day(o: { unknownEveryPush: boolean }): Promise<{ identity: number; types: number; enriched: number; unavailable: number }> {
  const start = Date.parse('2026-12-04T06:00:00Z'); // a Marketo day: midnight to midnight CST
  let now = start;
  setRelayOverrides({ invoker: new FakeInvoker(), kv: createMemoryKv(() => now), now: () => now });
  resetCatalogs();
  const inputs = { ...rest.envFor(M), EVENTS_CLIENT_ID: 'relay-client', LOG_LEVEL: 'off', STATS_FLUSH_SECONDS: '3600', STATE_STORE: 'memory' };
  const rng = seeded(1);
  const batch = legacyPush(rng, 500, { munchkinId: M, time: new Date(start) });
  // every push carries an id the instance does not define (a type created after the last fetch, never fetched)
  if (o.unknownEveryPush) (batch.activities as Record<string, unknown>[])[0].activityTypeId = 100099;
  const text = JSON.stringify(batch);
  // with the payload bound the receive step attaches (src/relay/lead-push-receive.ts)
  const received = { ...normalizePushBatch({ munchkinId: M, activities: batch.activities as unknown[] }, { stream: 'lead-activity', transport: 'legacy-push', deliveryId: 'd' }, start), payloads: payloadBound({ bytes: Buffer.byteLength(text), text }) };
  const before = { ...(rest.calls.byMunchkin[M] ?? { identity: 0, types: 0 }) };
  let enriched = 0;
  let unavailable = 0;
  for (let i = 0; i < 2000; i++) {
    now = start + i * 43_200;
    if (i % 500 === 0) await refreshCatalog(inputs); // every 6 h
    if (i % 84 === 0) resetCatalogs(); // ≈ hourly: a new container
    const c = relayContext(inputs, 'lead-activity');
    if (!c.ok) throw new Error(c.errors.join());
    const use = await applyCatalog(received, c.ctx);
    if (use?.catalog === 'unavailable') unavailable++;
    else enriched++;
  }
  const after = rest.calls.byMunchkin[M];
  return { identity: after.identity - before.identity, types: after.types - before.types, enriched, unavailable };
}

test('every type known: a handful of REST calls a day, none caused by the activities', async () => {
  const r = await day({ unknownEveryPush: false });
  // eslint-disable-next-line no-console -- the figures README quotes
  console.log(`catalog cost, 1 M activities/day, every type known: ${r.types} catalog + ${r.identity} Identity calls`);
  expect(r.types).toBe(4);
  expect(r.identity).toBe(4);
  expect(r.unavailable).toBe(0);
});

test('an unknown id in every push: bounded by one fetch per MARKETO_CATALOG_REFETCH_MINUTES, inside the daily budget', async () => {
  const r = await day({ unknownEveryPush: true });
  // eslint-disable-next-line no-console -- the figures README quotes
  console.log(`catalog cost, 1 M activities/day, an unknown id in every push: ${r.types} catalog + ${r.identity} Identity calls`);
  // 144 on-demand fetches (one per 10 minutes) + 4 scheduled
  expect(r.types).toBeLessThanOrEqual(24 * 6 + 4);
  expect(r.types).toBeGreaterThan(100);
  expect(r.types + r.identity).toBeLessThanOrEqual(200);
  expect(r.unavailable).toBe(0);
});
