/**
 * Destinations as configuration: a route names an action or a destination
 * (exactly one); a destination route goes to the app's own destination action,
 * which app.config.yaml deploys with DESTINATIONS (and no receiver gets it);
 * `npm run check-config` checks ROUTES and DESTINATIONS together.
 */
import { checkConfig, checkManifest } from '../../dev/check-config';
import { loadManifest } from '../../dev/manifest';
import { DESTINATION_ACTION, parseRoutes } from '../../src/delivery/routes';
import { parseDestinations } from '../../src/destinations/registry';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const routes = (...r: object[]) => JSON.stringify({ routes: r });
const crm = { name: 'forms', match: { stream: 'lead-activity', activityTypeId: 2 }, destination: 'crm' };
const destinations = (o: object = {}) => JSON.stringify({ crm: { kind: 'webhook', url: 'https://hooks.example.com/marketo', secret: SECRET }, ...o });

describe('routes naming a destination', () => {
  it('compile to the destination action and keep the destination name', () => {
    const r = parseRoutes(routes(crm, { name: 'audit', match: { stream: 'user-audit' }, action: 'siem/ingest' }));
    expect(r.ok && r.value.routes.map((x) => [x.name, x.action, x.destination])).toEqual([
      ['forms', DESTINATION_ACTION, 'crm'],
      ['audit', 'siem/ingest', undefined],
    ]);
  });
  it.each([
    [{ ...crm, action: 'a/b' }, /names both an action and a destination/],
    [{ name: 'x', match: { stream: '*' } }, /action must be an action name/],
    [{ ...crm, destination: 'no spaces' }, /destination must be a name in DESTINATIONS/],
  ])('refuses %j', (route, error) => {
    const r = parseRoutes(routes(route));
    expect(r.ok ? [] : r.errors).toEqual([expect.stringMatching(error)]);
  });
  it('the destination action is deployed in the package the route names, with DESTINATIONS; no other action gets DESTINATIONS', () => {
    const m = loadManifest();
    const [pkg, name] = DESTINATION_ACTION.split('/');
    expect(m.packageName).toBe(pkg);
    const action = m.actions.find((a) => a.name === name);
    expect(action?.inputNames).toEqual(expect.arrayContaining(['DESTINATIONS', 'ROUTES']));
    expect(m.actions.filter((a) => a.inputNames.includes('DESTINATIONS')).map((a) => a.name)).toEqual(['destination']);
    expect(checkManifest(m)).toEqual([]);
  });
});

describe('check-config: ROUTES and DESTINATIONS together', () => {
  const env = (o: Record<string, string | undefined>) => ({ EVENTS_CLIENT_ID: 'c', ROUTES: routes(crm), DESTINATIONS: destinations(), ...o });
  it('valid', () => expect(checkConfig(env({})).errors).toEqual([]));
  it.each([
    [{ DESTINATIONS: undefined }, /route "forms" names destination "crm", but DESTINATIONS is not set/],
    [{ DESTINATIONS: JSON.stringify({ other: JSON.parse(destinations()).crm }) }, /route "forms" names destination "crm", which DESTINATIONS does not define \(defined: other\)/],
    [{ DESTINATIONS: destinations({ x: { kind: 'ftp' } }) }, /DESTINATIONS.x: kind must be one of webhook, slack, teams, postgres/],
    [{ DESTINATIONS: destinations({ crm: { kind: 'webhook', url: 'http://127.0.0.1:9000/h', secret: SECRET } }) }, /DESTINATIONS.crm \(webhook\): url must be https/],
    [{ DESTINATIONS: destinations({ crm: { kind: 'webhook', url: 'https://hooks.example.com/h', secret: 'whsec_c2hvcnQ=' } }) }, /secret is 5 bytes/],
    [{ DESTINATIONS: '{not json' }, /DESTINATIONS is not valid JSON/],
  ])('refuses %j', (patch, error) => {
    const { errors } = checkConfig(env(patch));
    expect(errors).toEqual([expect.stringMatching(error)]);
    expect(errors.join(' ')).not.toContain(SECRET.slice(6));
  });
  it('--local (npm start): loopback http receivers are accepted', () => {
    const local = env({ DESTINATIONS: destinations({ crm: { kind: 'webhook', url: 'http://127.0.0.1:9000/h', secret: SECRET } }) });
    expect(checkConfig(local, undefined, { local: true }).errors).toEqual([]);
  });
  it('every kind is registered: webhook, slack, teams, postgres', () => {
    const all = parseDestinations(
      {
        crm: { kind: 'webhook', url: 'https://h.example.com/x', secret: SECRET },
        oncall: { kind: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
        ops: { kind: 'teams', url: 'https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke' },
        warehouse: { kind: 'postgres', url: 'postgres://u:p@db.example.com:5432/d?sslmode=require', table: 'marketo_events' },
      },
      { local: false },
    );
    expect(all.ok ? [...all.value.values()].map((e) => [e.name, e.kind]) : all.errors).toEqual([['crm', 'webhook'], ['oncall', 'slack'], ['ops', 'teams'], ['warehouse', 'postgres']]);
  });
  it('several secrets while rotating, as a list or space-separated', () => {
    const two = parseDestinations({ crm: { kind: 'webhook', url: 'https://h.example.com/x', secret: [SECRET, `whsec_${Buffer.alloc(24, 1).toString('base64')}`] } }, { local: false });
    expect(two.ok && two.value.get('crm')?.kind).toBe('webhook');
  });
});
