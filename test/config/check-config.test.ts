/**
 * Least privilege, checked: app.config.yaml gives each action exactly the settings
 * ACTION_SETTINGS says it reads, and SETTING_GROUPS names every setting the code reads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkLimits, checkManifest } from '../../dev/check-config';
import { utils } from '@adobe/aio-lib-runtime';
import { imsCredentialInputs } from '../../dev/local-env';
import { loadManifest } from '../../dev/manifest';
import { parseConfig, SETTING_GROUPS } from '../../src/config';
import { adobeApiConfig } from '../../src/status/registrations';

const REAL = resolve(__dirname, '..', '..', 'app.config.yaml');
const yaml = readFileSync(REAL, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'check-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** checkManifest of app.config.yaml with `edit` applied to its text */
function checkEdited(edit: (text: string) => string): string[] {
  const edited = edit(yaml);
  expect(edited).not.toBe(yaml);
  const file = join(dir, `app-${Math.random().toString(36).slice(2)}.config.yaml`);
  writeFileSync(file, edited);
  return checkManifest(loadManifest(file));
}

/** the setting names a function reads from the inputs it is given (every one set, the annotation's credential too) */
function namesRead(fn: (inputs: Record<string, unknown>) => unknown, value?: string): Set<string> {
  const read = new Set<string>();
  const credential = { client_id: 'c', client_secret: 's', org_id: 'o', scopes: [] };
  fn(new Proxy({}, {
    get: (_t, k) => {
      if (k === '__ims_oauth_s2s') return credential;
      if (typeof k !== 'string' || !/^[A-Z]/.test(k)) return undefined;
      read.add(k);
      return value;
    },
  }));
  return read;
}

test('app.config.yaml passes: every action gets what it reads and its annotations', () => {
  expect(checkManifest(loadManifest(REAL))).toEqual([]);
});

test('an action that lacks a setting it reads fails (lead-activity without its push authentication)', () => {
  const errors = checkEdited((t) => t.replace('*io-webhook, *lead-push, *marketo-rest, *catalog]', '*io-webhook, *marketo-rest, *catalog]'));
  expect(errors).toContain('app.config.yaml: action lead-activity reads LEAD_ACTIVITY_TOKENS (lead-push) but its inputs do not give it');
  expect(errors).toContain('app.config.yaml: action lead-activity reads LEAD_ACTIVITY_OAUTH_CLIENT_SECRET (lead-push) but its inputs do not give it');
});

test('an action that gets a setting it does not read fails (a secret handed to log-events)', () => {
  const errors = checkEdited((t) => t.replace(/( {10}log-events:\n[\s\S]*?<<: \[\*log)\]/, '$1, *lead-push]'));
  expect(errors).toContain('app.config.yaml: action log-events gets LEAD_ACTIVITY_OAUTH_CLIENT_SECRET (lead-push), which it does not read');
});

test('the Marketo REST credentials reach only the actions that read the catalog', () => {
  const given = checkEdited((t) => t.replace(/( {10}user-audit:\n[\s\S]*?<<: \[\*log[^\]]*)\]/, '$1, *marketo-rest]'));
  expect(given).toContain('app.config.yaml: action user-audit gets MARKETO_CLIENT_SECRET (marketo-rest), which it does not read');
  const missing = checkEdited((t) => t.replace('<<: [*log, *stores, *marketo-rest, *catalog]', '<<: [*log, *stores, *catalog]'));
  expect(missing).toContain('app.config.yaml: action refresh-catalog reads MARKETO_CLIENT_ID (marketo-rest) but its inputs do not give it');
});

test('a setting added to one action by hand, outside the concerns, fails', () => {
  const errors = checkEdited((t) => t.replace('*replay, *stores]\n', '*replay, *stores]\n              REDIS_PASSWORD: $REDIS_PASSWORD\n'));
  expect(errors).toContain('app.config.yaml: action replay gets REDIS_PASSWORD (no concern), which it does not read');
});

test('a missing provide-api-key annotation fails, and so does an undeclared action', () => {
  const errors = checkEdited((t) => t.replace('*replay, *stores]\n            annotations: *runtime-api\n', '*replay, *stores]\n').replace('          log-events:', '          extra:\n            function: actions/log-events/index.ts\n          log-events:'));
  expect(errors).toContain('app.config.yaml: action replay needs annotation provide-api-key: true (it invokes actions or uses aio-lib-state)');
  expect(errors).toContain('app.config.yaml: action extra has no entry in ACTION_SETTINGS (src/config.ts): say which settings it reads');
});

test('memorySize × concurrency: the deployed limits fit the measured worst case, and 50 in 256 MB does not', () => {
  expect(checkLimits(loadManifest(REAL))).toEqual([]);
  const file = join(dir, 'limits.config.yaml');
  writeFileSync(file, yaml.replace('{ timeout: 60000, memorySize: 512, concurrency: 40 }', '{ timeout: 60000, memorySize: 256, concurrency: 50 }'));
  expect(checkLimits(loadManifest(file))).toContain('app.config.yaml: action user-audit: concurrency 50 needs 605 MB (80 + 50 × 7 × 1.5), memorySize is 256');
});

test('SETTING_GROUPS names every setting parseConfig reads, and parseConfig reads every non-Adobe-API one (LOCAL_INVOCATIONS_FILE: the local runtime reads it)', () => {
  const all = new Set<string>(Object.values(SETTING_GROUPS).flat());
  const read = namesRead((i) => parseConfig(i));
  for (const name of read) expect({ name, known: all.has(name) }).toEqual({ name, known: true });
  const parsed = Object.entries(SETTING_GROUPS).filter(([g]) => !['ims', 'adobe-api', 'journal'].includes(g)).flatMap(([, n]) => n).filter((n) => n !== 'LOCAL_INVOCATIONS_FILE');
  for (const name of parsed) expect({ name, read: read.has(name) }).toEqual({ name, read: true });
});

test('the status action\'s Adobe API settings are its adobe-api concern, and no client secret is a setting', () => {
  const read = namesRead((i) => expect(adobeApiConfig(i)).toBeDefined(), 'x');
  expect([...read].sort()).toEqual([...SETTING_GROUPS['adobe-api']].sort());
});

describe('the local runtime gives annotated actions the credential as deploy does', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  it.each([['["adobeio_api","openid"]'], ['adobeio_api,openid']])('scopes %s', (scopes) => {
    const env = { IMS_OAUTH_S2S_CLIENT_ID: 'cid', IMS_OAUTH_S2S_CLIENT_SECRET: 'sec', IMS_OAUTH_S2S_ORG_ID: 'ORG@AdobeOrg', IMS_OAUTH_S2S_SCOPES: scopes };
    for (const k of Object.keys(process.env)) if (k.startsWith('IMS_OAUTH_S2S_') || k === 'AIO_CLI_ENV') delete process.env[k];
    Object.assign(process.env, env);
    const deployed = utils.getIncludeIMSCredentialsAnnotationInputs({ annotations: { 'include-ims-credentials': true } }, utils.loadIMSCredentialsFromEnv());
    expect(imsCredentialInputs(env)).toEqual(deployed);
  });
  it('no credential in the environment: nothing is added', () => {
    expect(imsCredentialInputs({})).toEqual({});
  });
});
