import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { Envelope } from '../../src/envelope/envelope';
import { defaultRouteTable, parseRoutes, routeEnvelopes, type RouteTable } from '../../src/delivery/routes';
import { testEnvelope } from '../support/envelope';

const env = (o: Partial<Envelope>): Envelope => testEnvelope(o.id ?? 'id', o);

const table = (routes: unknown[], dflt?: string): RouteTable => {
  const r = parseRoutes({ routes, ...(dflt ? { default: dflt } : {}) });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
};
const names = (t: RouteTable, e: Envelope) => [...routeEnvelopes(t, [e]).byRoute.keys()];

describe('matching', () => {
  it.each([
    ['stream', 'notification', { stream: 'notification' as const }],
    ['type', 'COM.adobe.platform.marketo.audit.user.LOGIN', {}],
    ['source', 'urn:MLM', {}],
    ['munchkinId', '111-aaa-222', { munchkinId: '111-AAA-222' }],
    ['componentType', 'smart campaign', { componentType: 'Smart Campaign' }],
    ['eventAction', 'login failure', { eventAction: 'Login Failure' }],
    ['subType', 'daily_quota', { subType: 'DAILY_QUOTA' }],
    ['activityType', 'fill out form', { activityType: 'Fill Out Form' }],
    ['userId', 'ADMIN@example.com', { userId: 'admin@example.com' }],
    ['dataschema', 'v2.0', { dataschema: 'V2.0' }],
  ])('matches %s case-insensitively', (field, pattern, fields) => {
    const t = table([{ name: 'r', match: { [field]: pattern }, action: 'a/b' }]);
    expect(names(t, env(fields))).toEqual(['r']);
    expect(names(t, env({ ...fields, [field]: 'something else' } as Partial<Envelope>))).toEqual([]);
  });
  it('numbers compare exactly', () => {
    const t = table([{ name: 'r', match: { activityTypeId: 2 }, action: 'a/b' }]);
    expect(names(t, env({ activityTypeId: 2 }))).toEqual(['r']);
    expect(names(t, env({ activityTypeId: 20 }))).toEqual([]);
    expect(names(t, env({ activityTypeId: 12 }))).toEqual([]);
  });
  it('a list means any of; fields are ANDed', () => {
    const t = table([{ name: 'r', match: { stream: 'user-audit', componentType: ['Login', 'User', 'Role'] }, action: 'a/b' }]);
    expect(names(t, env({ componentType: 'Role' }))).toEqual(['r']);
    expect(names(t, env({ componentType: 'Email' }))).toEqual([]);
    expect(names(t, env({ stream: 'notification', componentType: 'Role' }))).toEqual([]);
  });
  it('wildcards', () => {
    const t = table([
      { name: 'audit', match: { type: 'com.adobe.platform.marketo.audit.user.*' }, action: 'a/b' },
      { name: 'email', match: { type: '*email*' }, action: 'a/c' },
    ]);
    expect(names(t, env({ type: 'com.adobe.platform.marketo.audit.user.emailbatchprogram' }))).toEqual(['audit', 'email']);
    expect(names(t, env({ type: 'com.adobe.platform.marketo.notification.campaign_abort' }))).toEqual([]);
  });
  it('a wildcard does not match an absent field', () => {
    const t = table([{ name: 'r', match: { munchkinId: '*' }, action: 'a/b' }]);
    expect(names(t, env({}))).toEqual([]);
    expect(names(t, env({ munchkinId: 'x' }))).toEqual(['r']);
  });
  it('regex characters in patterns are literal', () => {
    const t = table([{ name: 'r', match: { componentType: 'Form (v2).*' }, action: 'a/b' }]);
    expect(names(t, env({ componentType: 'Form (v2).x' }))).toEqual(['r']);
    expect(names(t, env({ componentType: 'Form v2x' }))).toEqual([]);
  });
  it('fans out, sends the rest to default, or reports them unrouted', () => {
    const routes = [
      { name: 'a', match: { stream: 'user-audit' }, action: 'p/a' },
      { name: 'b', match: { componentType: 'Login' }, action: 'p/b' },
    ];
    const events = [env({ id: '1', componentType: 'Login' }), env({ id: '2', stream: 'notification' })];
    const withDefault = routeEnvelopes(table(routes, 'p/log'), events);
    expect([...withDefault.byRoute].map(([n, s]) => [n, s.route.action, s.envelopes.map((e) => e.id)])).toEqual([
      ['a', 'p/a', ['1']],
      ['b', 'p/b', ['1']],
      ['default', 'p/log', ['2']],
    ]);
    const without = routeEnvelopes(table(routes), events);
    expect(without.unrouted.map((e) => e.id)).toEqual(['2']);
  });
  it('a string pattern of digits matches the number exactly, and a number pattern the digit string', () => {
    const t = table([{ name: 'r', match: { activityTypeId: '2' }, action: 'a/b' }]);
    expect(names(t, env({ activityTypeId: 2 }))).toEqual(['r']);
    expect(names(t, env({ activityTypeId: 20 }))).toEqual([]);
    const n = table([{ name: 'r', match: { componentType: 5 }, action: 'a/b' }]);
    expect(names(n, env({ componentType: '5' }))).toEqual(['r']);
    expect(names(n, env({ componentType: '50' }))).toEqual([]);
    expect(names(n, env({ componentType: '5.0' }))).toEqual([]);
  });
  it('wildcards are case-insensitive and anchored', () => {
    const t = table([{ name: 'r', match: { type: 'COM.ADOBE.*.AUDIT.USER.*' }, action: 'a/b' }]);
    expect(names(t, env({ type: 'com.adobe.platform.marketo.audit.user.email' }))).toEqual(['r']);
    expect(names(t, env({ type: 'x.com.adobe.platform.marketo.audit.user.email' }))).toEqual([]);
    const s = table([{ name: 's', match: { stream: '*-activity' }, action: 'a/b' }]);
    expect(names(s, env({ stream: 'lead-activity' }))).toEqual(['s']);
    expect(names(s, env({ stream: 'user-audit' }))).toEqual([]);
  });
  it('eventAction matches its string form (Notification objects are JSON text)', () => {
    const t = table([{ name: 'r', match: { eventAction: '*"campaignId":1234*' }, action: 'a/b' }]);
    expect(names(t, env({ stream: 'notification', eventAction: JSON.stringify({ campaignId: 1234, userId: 'a@b.c' }) }))).toEqual(['r']);
    expect(names(t, env({ stream: 'notification', eventAction: JSON.stringify({ campaignId: 4321 }) }))).toEqual([]);
  });
  it('{ stream: "*" } takes every event', () => {
    const t = table([{ name: 'all', match: { stream: '*' }, action: 'a/b' }]);
    expect(routeEnvelopes(t, [env({ id: '1' }), env({ id: '2', stream: 'lead-activity' })]).byRoute.get('all')?.envelopes.map((e) => e.id)).toEqual(['1', '2']);
  });
  it('keeps envelope order within each route; the default route carries its action', () => {
    const t = table([{ name: 'r', match: { componentType: ['A', 'B'] }, action: 'p/r' }], 'p/log');
    const out = routeEnvelopes(t, ['A', 'x', 'B', 'y', 'A'].map((c, i) => env({ id: String(i), componentType: c })));
    expect(out.byRoute.get('r')?.envelopes.map((e) => e.id)).toEqual(['0', '2', '4']);
    expect(out.byRoute.get('default')?.envelopes.map((e) => e.id)).toEqual(['1', '3']);
    expect(out.byRoute.get('default')?.route).toMatchObject({ name: 'default', action: 'p/log' });
    expect(out.unrouted).toEqual([]);
  });
  it('accepts the three OpenWhisk action name forms', () => {
    for (const action of ['log-events', 'pkg/act_1', '/ns@org_1/pkg.v2/act-3']) expect(parseRoutes({ routes: [{ name: 'x', match: { stream: '*' }, action }] }).ok).toBe(true);
  });
  it('the per-stream default table', () => {
    const t = defaultRouteTable({ 'user-audit': 'p/audit', notification: 'p/notify', 'lead-activity': 'p/lead' });
    expect(names(t, env({ stream: 'lead-activity' }))).toEqual(['lead-activity']);
    expect(routeEnvelopes(t, [env({})]).byRoute.get('user-audit')?.route.action).toBe('p/audit');
  });
});

describe('configuration errors say which route, which field and why', () => {
  it.each([
    ['not JSON', '{routes: [', /not valid JSON/],
    ['no routes list', { default: 'a/b' }, /"routes" is missing/],
    ['routes not a list', { routes: { name: 'x' } }, /"routes" must be a list of routes, got object/],
    ['unknown top-level key', { routes: [], defualt: 'a/b' }, /unknown top-level key "defualt"/],
    ['bad name', { routes: [{ name: 'has space', match: { stream: '*' }, action: 'a/b' }] }, /route 0 \("has space"\): name must be .*got "has space"/],
    ['name too long', { routes: [{ name: 'n'.repeat(65), match: { stream: '*' }, action: 'a/b' }] }, /route 0 \("n{65}"\): name must be 1-64/],
    ['name not a string', { routes: [{ name: 7, match: { stream: '*' }, action: 'a/b' }] }, /route 0: name must be .*got 7/],
    ['route not an object', { routes: ['x'] }, /route 0: must be an object/],
    ['action with three parts and no namespace slash', { routes: [{ name: 'x', match: { stream: '*' }, action: 'a/b/c' }] }, /route 0 \("x"\): action must be/],
    ['duplicate name', { routes: [{ name: 'x', match: { stream: '*' }, action: 'a/b' }, { name: 'x', match: { stream: '*' }, action: 'a/c' }] }, /route 1 \("x"\): the name "x" is used/],
    ['reserved name', { routes: [{ name: 'default', match: { stream: '*' }, action: 'a/b' }] }, /reserved/],
    ['bad action', { routes: [{ name: 'x', match: { stream: '*' }, action: 'not an action' }] }, /route 0 \("x"\): action must be/],
    ['missing action', { routes: [{ name: 'x', match: { stream: '*' } }] }, /route 0 \("x"\): action must be/],
    ['unknown field', { routes: [{ name: 'x', match: { colour: 'red' }, action: 'a/b' }] }, /route 0 \("x"\): match.colour is not a field.*allowed: stream/],
    ['empty match', { routes: [{ name: 'x', match: {}, action: 'a/b' }] }, /route 0 \("x"\): match is empty.*"stream": "\*"/],
    ['no match', { routes: [{ name: 'x', action: 'a/b' }] }, /route 0 \("x"\): match must be an object/],
    ['empty list', { routes: [{ name: 'x', match: { type: [] }, action: 'a/b' }] }, /route 0 \("x"\): match.type is an empty list/],
    ['object value', { routes: [{ name: 'x', match: { type: { a: 1 } }, action: 'a/b' }] }, /match.type values must be strings or numbers/],
    ['non-integer activityTypeId', { routes: [{ name: 'x', match: { activityTypeId: 2.5 }, action: 'a/b' }] }, /route 0 \("x"\): match.activityTypeId values must be integers/],
    ['activityTypeId as words', { routes: [{ name: 'x', match: { activityTypeId: 'Fill Out Form' } , action: 'a/b' }] }, /route 0 \("x"\): match.activityTypeId values must be integers/],
    ['empty string value', { routes: [{ name: 'x', match: { source: '' }, action: 'a/b' }] }, /route 0 \("x"\): match.source has an empty string/],
    ['null value', { routes: [{ name: 'x', match: { subType: null }, action: 'a/b' }] }, /route 0 \("x"\): match.subType values must be strings or numbers, got null/],
    ['nested list', { routes: [{ name: 'x', match: { type: [['a']] }, action: 'a/b' }] }, /route 0 \("x"\): match.type values must be strings or numbers/],
    ['unknown stream', { routes: [{ name: 'x', match: { stream: 'audit' }, action: 'a/b' }] }, /match.stream must be user-audit, notification, lead-activity/],
    ['bad default', { routes: [], default: 'bad action' }, /default: must be an action name/],
    ['default not a string', { routes: [], default: ['a/b'] }, /default: must be an action name/],
  ])('%s', (_n, source, message) => {
    const r = parseRoutes(typeof source === 'string' ? source : JSON.stringify(source));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(message);
  });
  it('a number pattern that is not finite is refused (YAML .inf, or an object built in code)', () => {
    const r = parseRoutes({ routes: [{ name: 'x', match: { componentType: Infinity }, action: 'a/b' }] });
    expect(!r.ok && r.errors.join('\n')).toMatch(/route 0 \("x"\): match.componentType has a number that is not finite/);
  });
  it('reports every error at once', () => {
    const r = parseRoutes({ routes: [{ name: 'a', match: { x: 1 }, action: 'a/b' }, { name: 'b', match: { stream: 'nope' }, action: '' }] });
    expect(!r.ok && r.errors.length).toBe(3);
  });
});

describe('routes.example.yaml', () => {
  const example = load(readFileSync(join(__dirname, '../../routes.example.yaml'), 'utf8'));
  const parsed = parseRoutes(example);
  it('is valid', () => expect(parsed.ok).toBe(true));
  const t = parsed.ok ? parsed.value : ({ routes: [] } as RouteTable);
  it('A: security events from User Audit go to the SIEM', () => {
    expect(names(t, env({ componentType: 'Login' }))).toEqual(['security']);
    expect(names(t, env({ componentType: 'Email', type: 'com.adobe.platform.marketo.audit.user.landingpage' }))).toEqual(['default']);
  });
  it('B: campaign failures go to the pager', () => {
    expect(names(t, env({ stream: 'notification', type: 'com.adobe.platform.marketo.notification.campaign_failure' }))).toEqual(['campaign-failures']);
  });
  it('C: form fills of 111-AAA-222 go to the CRM', () => {
    expect(names(t, env({ stream: 'lead-activity', type: 'x', munchkinId: '111-AAA-222', activityTypeId: 2 }))).toEqual(['form-fills']);
    expect(names(t, env({ stream: 'lead-activity', type: 'x', munchkinId: '333-BBB-444', activityTypeId: 2 }))).toEqual(['default']);
  });
});
