/**
 * Hostile family of issue 24 item 1: a value anyone filling a form controls
 * (the Referrer URL) of about 1 MB, `google` repeated, against wildcard routes
 * that made the former RegExp backtrack (`*google*cpc*` took 14 s on 192 KB and
 * the batch ended parked). Each delivery must be routed and forwarded, not
 * parked, both as Marketo's legacy push and as a signed I/O delivery; the
 * console's route tester, running the same routing, must answer the same.
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { ioActivityEvent, legacyActivity } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { normalizeForTest, routeForTest } from '../../src/console/route-test';
import { parseRoutes } from '../../src/delivery/routes';
import { PARKING_RECORDS } from '../../src/stores/key-families';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const ROUTES = {
  routes: [
    { name: 'paid-search', match: { stream: 'lead-activity', 'attributes.Referrer URL': '*google*cpc*' }, action: 'crm/paid' },
    { name: 'campaigns', match: { 'attributes.Referrer URL': ['*utm_medium=*cpc*utm_campaign=*', '*google*google*gclid=*'] }, action: 'crm/campaigns' },
    { name: 'landing', match: { activityType: 'fill out form', 'attributes.Referrer URL': 'https://www.example.com/*' }, action: 'crm/landing' },
  ],
  default: 'crm/other',
};
/** fits the 1 MiB request body and, as one envelope, the 1,000,000-byte invocation limit */
const google = 'google'.repeat(160_000);

const h = new RelayHarness();
const rng = seeded(24);
beforeAll(() => h.start({ ROUTES: JSON.stringify(ROUTES) }));
afterAll(() => h.stop());
beforeEach(() => h.reset());

function formFill(referrer: string): Record<string, unknown> {
  const activity = legacyActivity(rng, { typeId: 2 });
  for (const a of activity.attributes as { name: string; value: unknown }[]) if (a.name === 'Referrer URL') a.value = referrer;
  return activity;
}
const push = (activity: Record<string, unknown>) => ({ sourceApplication: 'Marketo', munchkinId: '111-AAA-222', messageId: '24', messageCreatedDate: activity.activityDate, activities: [activity] });

async function parked(): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of h.kv.keys(`${PARKING_RECORDS}-`)) keys.push(k);
  return keys;
}

describe('a 1 MB sender-controlled attribute against wildcard routes', () => {
  it.each([
    ['matches no wildcard route', google, 'default'],
    ['matches *google*cpc* at its very end', `${google}cpc`, 'paid-search'],
    ['matches a list’s second pattern', `${google}?gclid=${google.slice(0, 60)}`, 'campaigns'],
  ])('a legacy push whose Referrer URL %s is forwarded, not parked', async (_n, referrer, route) => {
    const activity = formFill(referrer);
    const body = JSON.stringify(push(activity));
    expect(body.length).toBeGreaterThan(960_000);
    const res = await h.call(leadActivity, { headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` }, body });
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 1, quarantined: 0 } });
    expect(res.body.parked ?? 0).toBe(0);
    expect(h.forwardedIds(route)).toEqual([activity.marketoGUID]);
    expect(h.forwardedIds()).toEqual([activity.marketoGUID]);
    expect(await parked()).toEqual([]);
  });
  it('a signed I/O delivery of the same form fill is forwarded, not parked', async () => {
    const activity = formFill(`${google}cpc`);
    const res = await h.call(leadActivity, h.signed([ioActivityEvent(rng, activity, { clientId: CLIENT_ID, munchkinId: '111-AAA-222' })]));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(h.forwardedIds('paid-search')).toEqual([activity.marketoGUID]);
    expect(await parked()).toEqual([]);
  });
  it('the console’s route tester answers where each would go', () => {
    const table = parseRoutes(ROUTES);
    if (!table.ok) throw new Error(table.errors.join('; '));
    const activities = [formFill(google), formFill(`${google}cpc`), formFill(`https://www.example.com/${google}`)];
    const tested = activities.map((a) => {
      const received = normalizeForTest('lead-activity', push(a), Date.now());
      if (!received.ok) throw new Error('not normalized');
      const { routes, unrouted } = routeForTest(table.value, received.value);
      return { routes: routes.map((r) => [r.route, r.ids]), unrouted };
    });
    expect(tested).toEqual([
      { routes: [['default', [activities[0].marketoGUID]]], unrouted: [] },
      { routes: [['paid-search', [activities[1].marketoGUID]]], unrouted: [] },
      { routes: [['landing', [activities[2].marketoGUID]]], unrouted: [] },
    ]);
  });
});
