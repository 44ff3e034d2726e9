/**
 * Settings an action cannot work with are configuration errors when the inputs
 * are parsed — `config_invalid` from the first request on, one error line, and
 * `npm run check-config` says so — never a per-request failure or a quiet default
 * (issue 24 item 11): EVENTS_CLIENT_ID missing where recipients are checked,
 * LOG_LEVEL not a level, REDIS_URL not a Redis URL, MARKETO_MUNCHKIN_ID alone.
 */
import { main as userAudit } from '../../actions/user-audit/index';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as logEvents } from '../../actions/log-events/index';
import { checkConfig } from '../../dev/check-config';
import { legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { parseConfig } from '../../src/config';
import { parseLogLevel } from '../../src/log';
import { relayContext } from '../../src/relay/context';
import { captureLogs } from '../support/logs';
import { PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(() => h.reset());

const NO_CLIENT_ID = { EVENTS_CLIENT_ID: '' };
const push = () => ({ headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` }, body: JSON.stringify(legacyPush(seeded(3), 2, { munchkinId: '111-AAA-222' })) });

describe('EVENTS_CLIENT_ID: required where recipients are checked, at parse', () => {
  it('a receiver without it answers config_invalid from the first request, whatever the request (a challenge, a legacy push), and says why in one line', async () => {
    const logs = captureLogs();
    try {
      // before: the challenge was answered 200 and the push accepted; only signed I/O deliveries failed, 500 each, at the recipient check
      expect(await h.call(userAudit, { method: 'GET', query: 'challenge=abc' }, NO_CLIENT_ID)).toMatchObject({ statusCode: 500, body: { error: 'config_invalid' } });
      expect(await h.call(leadActivity, push(), { ...NO_CLIENT_ID, LOG_LEVEL: 'error' })).toMatchObject({ statusCode: 500, body: { error: 'config_invalid' } });
      expect(h.invoker.invocations).toHaveLength(0);
      const reported = logs.lines.filter((l) => l.includes('EVENTS_CLIENT_ID is not set'));
      expect(reported.length).toBeGreaterThan(0);
      for (const line of reported) expect(JSON.parse(line)).toMatchObject({ level: 'error', error: 'config_invalid' });
    } finally {
      logs.stop();
    }
  });
  it('EVENTS_REQUIRE_RECIPIENT=false does not make it optional: that waives only events naming no recipient, and every I/O delivery names one', () => {
    const c = relayContext({ ...h.inputs, ...NO_CLIENT_ID, EVENTS_REQUIRE_RECIPIENT: 'false' }, 'notification');
    expect(c.ok).toBe(false);
    expect(!c.ok && c.errors).toEqual([expect.stringMatching(/^EVENTS_CLIENT_ID is not set/)]);
  });
  it('the actions that check no recipient (replay, status, console, catch-up, refresh-catalog) run without it', () => {
    for (const name of ['replay', 'status', 'console', 'catch-up', 'refresh-catalog']) {
      expect({ name, ok: relayContext({ ...h.inputs, ...NO_CLIENT_ID }, name, { invokes: false }).ok }).toEqual({ name, ok: true });
    }
  });
});

describe('LOG_LEVEL: a level or an error', () => {
  it('parseLogLevel: the five values in any case, unset or empty is info, anything else is no level (before: info)', () => {
    expect(['error', 'WARN', 'Info', 'debug', 'off', ' debug '].map(parseLogLevel)).toEqual(['error', 'warn', 'info', 'debug', 'off', 'debug']);
    expect([undefined, '', '  '].map(parseLogLevel)).toEqual(['info', 'info', 'info']);
    expect(['verbose', 'trace', 'constructor', 'toString', '3'].map(parseLogLevel)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
  it('an action given LOG_LEVEL=verbose is config_invalid, the error naming the value', async () => {
    const c = relayContext({ ...h.inputs, LOG_LEVEL: 'verbose' }, 'replay');
    expect(c.ok).toBe(false);
    expect(!c.ok && c.errors).toEqual(['LOG_LEVEL: expected error, warn, info, debug or off, got "verbose"']);
    expect(await h.call(userAudit, { method: 'GET', query: 'challenge=abc' }, { LOG_LEVEL: 'verbose' })).toMatchObject({ statusCode: 500, body: { error: 'config_invalid' } });
  });
  it('log-events (no configuration of its own) logs at info and says once that its LOG_LEVEL is not a level', async () => {
    const logs = captureLogs();
    try {
      await logEvents({ LOG_LEVEL: 'loud', events: [{ id: 'e1' }] });
      await logEvents({ LOG_LEVEL: 'loud', events: [{ id: 'e2' }] });
      expect(logs.lines.filter((l) => l.includes('LOG_LEVEL is not a level'))).toHaveLength(1);
    } finally {
      logs.stop();
    }
  });
});

describe('the other settings parsed in src/config.ts: an invalid value is an error, never a default', () => {
  it('REDIS_URL that @redis/client cannot use is an error at parse, and the error does not quote it (it holds the password)', () => {
    for (const bad of ['localhost:6379', 'http://cache:6379', 'redis://:s3cret@cache:6379/zero']) {
      const r = parseConfig({ REDIS_URL: bad });
      expect(r).toEqual({ ok: false, errors: ['REDIS_URL: expected redis://[user:password@]host[:port][/database] (rediss:// for TLS)'] });
    }
    for (const good of ['redis://cache:6379', 'rediss://user:s3cret@cache.example:6380/2', 'redis://127.0.0.1']) expect(parseConfig({ REDIS_URL: good }).ok).toBe(true);
  });
  it('MARKETO_MUNCHKIN_ID alone (the instance\'s other settings missing) is an error, not an instance quietly left out', () => {
    const r = parseConfig({ MARKETO_MUNCHKIN_ID: '111-AAA-222' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual(expect.arrayContaining(['MARKETO_REST_ENDPOINT is missing', 'MARKETO_CLIENT_SECRET is missing']));
  });
});

describe('npm run check-config says each of them', () => {
  const valid = { EVENTS_CLIENT_ID: 'client-1' };
  it('a valid .env passes', () => {
    expect(checkConfig(valid).errors).toEqual([]);
  });
  it.each([
    ['EVENTS_CLIENT_ID unset', {}, /^EVENTS_CLIENT_ID is not set/],
    ['EVENTS_CLIENT_ID unset, EVENTS_REQUIRE_RECIPIENT=false', { EVENTS_REQUIRE_RECIPIENT: 'false' }, /^EVENTS_CLIENT_ID is not set/],
    ['LOG_LEVEL=verbose', { ...valid, LOG_LEVEL: 'verbose' }, /^LOG_LEVEL: expected error, warn, info, debug or off, got "verbose"$/],
    ['REDIS_URL=localhost:6379', { ...valid, REDIS_URL: 'localhost:6379' }, /^REDIS_URL: expected redis:/],
  ])('%s', (_name, env: Record<string, string>, error) => {
    expect(checkConfig(env).errors).toEqual([expect.stringMatching(error)]);
  });
});
