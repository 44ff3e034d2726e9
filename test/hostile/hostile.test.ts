/**
 * ≥ 1,000 generated malformed and hostile requests per receiver. Each must get
 * its defined 4xx — never 2xx, never 5xx, never a crash or hang — nothing may
 * be forwarded, and no secret, token or signature may appear in any log line.
 */
import fc from 'fast-check';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as notification } from '../../actions/notification/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { startTestIdp, type TestIdp } from '../../dev/traffic/idp';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness, type ActionMain } from '../support/relay-harness';
import { ioCases, pushCases, type CaseContext, type HostileCase } from './cases';

const h = new RelayHarness();
let idp: TestIdp;
const CLIENT_SECRET = 'relay-introspection-secret-value';
const tallies: Record<string, Record<number, number>> = {};

beforeAll(async () => {
  idp = await startTestIdp();
  await h.start({
    LEAD_ACTIVITY_OAUTH_JWKS_URL: idp.jwksUrl,
    LEAD_ACTIVITY_OAUTH_ISSUER: idp.issuer,
    LEAD_ACTIVITY_OAUTH_AUDIENCE: 'marketo-stream-relay',
    LEAD_ACTIVITY_OAUTH_CLIENT_ID: 'relay',
    LEAD_ACTIVITY_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
  });
});
afterAll(async () => {
  // eslint-disable-next-line no-console
  console.log(`hostile-input tallies (status → count):\n${Object.entries(tallies).map(([r, t]) => `  ${r}: ${JSON.stringify(t)}`).join('\n')}`);
  await h.stop();
  await idp.close();
});

async function runCases(name: string, main: ActionMain, cases: HostileCase[]): Promise<void> {
  h.reset();
  const secrets = new Set<string>([PUSH_TOKEN, CLIENT_SECRET]);
  const failures: string[] = [];
  const tally: Record<number, number> = {};
  for (const c of cases) {
    for (const [k, v] of Object.entries(c.headers)) if (/signature|authorization/.test(k) && v.length >= 24) secrets.add(v.replace(/^(Bearer|Token)\s+/i, ''));
    const res = await h.call(main, { method: c.method, headers: c.headers, query: c.query, body: c.body });
    tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1;
    if (res.statusCode !== c.status) failures.push(`${c.label}: expected ${c.status}, got ${res.statusCode} ${JSON.stringify(res.body).slice(0, 120)}`);
    if (typeof res.body.error !== 'string' || typeof res.body.message !== 'string') failures.push(`${c.label}: error body is not { error, message }`);
  }
  tallies[name] = tally;
  expect(failures.slice(0, 20)).toEqual([]);
  expect(h.invoker.invocations).toHaveLength(0);
  // neither a whole secret nor a recognisable piece of one (its first 24 characters)
  const text = h.logs.text();
  expect(text.length).toBeGreaterThan(0);
  const leaked = [...secrets].filter((s) => text.includes(s) || text.includes(s.slice(0, 24)));
  expect(leaked).toEqual([]);
}

const ctx = (stream: CaseContext['stream']): CaseContext => ({ stream, clientId: CLIENT_ID, keys: h.keys, pushToken: PUSH_TOKEN });

describe('hostile input', () => {
  it('user-audit: 1,000 generated requests, each its defined 4xx', async () => {
    await runCases('user-audit', userAudit, fc.sample(ioCases(ctx('user-audit')), { numRuns: 1000, seed: 1 }));
  });
  it('notification: 1,000 generated requests, each its defined 4xx', async () => {
    await runCases('notification', notification, fc.sample(ioCases(ctx('notification')), { numRuns: 1000, seed: 2 }));
  });
  it('lead-activity: 600 I/O-form and 600 push requests, each its defined 4xx', async () => {
    const pem = await idp.publicKeyPem();
    const io = fc.sample(ioCases(ctx('lead-activity')), { numRuns: 600, seed: 3 });
    const push = await pushCases({ ...ctx('lead-activity'), idp, idpPublicPem: pem }, 600, 4);
    await runCases('lead-activity', leadActivity, [...io, ...push]);
  });
});
