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
  it('the per-stream default table', () => {
    const t = defaultRouteTable({ 'user-audit': 'p/audit', notification: 'p/notify', 'lead-activity': 'p/lead' });
    expect(names(t, env({ stream: 'lead-activity' }))).toEqual(['lead-activity']);
    expect(routeEnvelopes(t, [env({})]).byRoute.get('user-audit')?.route.action).toBe('p/audit');
  });
});

describe('configuration errors say which route, which field and why', () => {
  it.each([
    ['not JSON', '{routes: [', /not valid JSON/],
    ['no routes list', { default: 'a/b' }, /"routes" must be a list/],
    ['unknown top-level key', { routes: [], defualt: 'a/b' }, /unknown top-level key "defualt"/],
    ['bad name', { routes: [{ name: 'has space', match: { stream: '*' }, action: 'a/b' }] }, /route 0 \("has space"\): name/],
    ['duplicate name', { routes: [{ name: 'x', match: { stream: '*' }, action: 'a/b' }, { name: 'x', match: { stream: '*' }, action: 'a/c' }] }, /route 1 \("x"\): the name "x" is used/],
    ['reserved name', { routes: [{ name: 'default', match: { stream: '*' }, action: 'a/b' }] }, /reserved/],
    ['bad action', { routes: [{ name: 'x', match: { stream: '*' }, action: 'not an action' }] }, /route 0 \("x"\): action must be/],
    ['missing action', { routes: [{ name: 'x', match: { stream: '*' } }] }, /route 0 \("x"\): action must be/],
    ['unknown field', { routes: [{ name: 'x', match: { colour: 'red' }, action: 'a/b' }] }, /route 0 \("x"\): match.colour is not a field.*allowed: stream/],
    ['empty match', { routes: [{ name: 'x', match: {}, action: 'a/b' }] }, /route 0 \("x"\): match is empty.*"stream": "\*"/],
    ['no match', { routes: [{ name: 'x', action: 'a/b' }] }, /route 0 \("x"\): match must be an object/],
    ['empty list', { routes: [{ name: 'x', match: { type: [] }, action: 'a/b' }] }, /route 0 \("x"\): match.type is an empty list/],
    ['object value', { routes: [{ name: 'x', match: { type: { a: 1 } }, action: 'a/b' }] }, /match.type values must be strings or numbers/],
    ['non-integer activityTypeId', { routes: [{ name: 'x', match: { activityTypeId: 2.5 }, action: 'a/b' }] }, /match.activityTypeId values must be integers/],
    ['unknown stream', { routes: [{ name: 'x', match: { stream: 'audit' }, action: 'a/b' }] }, /match.stream must be user-audit, notification, lead-activity/],
    ['bad default', { routes: [], default: 'bad action' }, /default: must be an action name/],
  ])('%s', (_n, source, message) => {
    const r = parseRoutes(typeof source === 'string' ? source : JSON.stringify(source));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(message);
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
