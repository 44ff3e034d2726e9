/**
 * `aio app deploy`'s own action deploy, offline: the CLI loads app.config.yaml with
 * @adobe/aio-cli-lib-app-config and hands it to @adobe/aio-lib-runtime's
 * deployActions (node_modules/@adobe/aio-cli-plugin-app/src/lib/deploy-actions.js).
 * This test does the same with the project's real app.config.yaml and package.json,
 * against a fake OpenWhisk controller on 127.0.0.1, and reads what would be created.
 * Built zips are small stand-ins (the build is `aio app build`'s job; only their bytes
 * travel): each action's zip holds one index.js naming the action.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { deployActions, utils } from '@adobe/aio-lib-runtime';
import appConfig from '@adobe/aio-cli-lib-app-config';
import { ACTION_SETTINGS, settingsOf } from '../../src/config';
import { FakeOpenWhiskController, type Json } from '../support/fake-openwhisk-controller';

const ROOT = resolve(__dirname, '..', '..');
const PKG = 'marketo-stream-relay';

type Manifest = { application: { runtimeManifest: { packages: Record<string, { actions: Record<string, { web?: unknown; inputs?: Record<string, unknown> }> }> } } };
const manifest = loadYaml(readFileSync(join(ROOT, 'app.config.yaml'), 'utf8')) as Manifest;
const manifestActions = manifest.application.runtimeManifest.packages[PKG].actions;

type KV = { key: string; value: unknown };
const kv = (list: unknown): Record<string, unknown> => Object.fromEntries(((list as KV[]) ?? []).map((p) => [p.key, p.value]));

const controller = new FakeOpenWhiskController('test-ns');
const work = mkdtempSync(join(tmpdir(), 'deploy-test-'));
const saved = { cwd: process.cwd(), env: { ...process.env } };
const logLines: string[] = [];
const zips = new Map<string, Buffer>();
let hooks: Record<string, string> = {};

beforeAll(async () => {
  const apihost = await controller.start();
  // the app's files as `aio app deploy` sees them, in a folder with no .env / .aio
  copyFileSync(join(ROOT, 'app.config.yaml'), join(work, 'app.config.yaml'));
  copyFileSync(join(ROOT, 'package.json'), join(work, 'package.json'));
  // the console's sources: the CLI decides from this folder that the app has a frontend (aio-cli-lib-app-config: hasFrontend)
  mkdirSync(join(work, 'web-src'));
  copyFileSync(join(ROOT, 'web-src', 'index.html'), join(work, 'web-src', 'index.html'));
  const dist = join(work, 'dist', 'application', 'actions', PKG);
  mkdirSync(dist, { recursive: true });
  for (const name of Object.keys(manifestActions)) {
    const src = join(work, 'build', name);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'index.js'), `exports.main = () => ({ action: ${JSON.stringify(name)} });\n`);
    await utils.zip(src, join(dist, `${name}.zip`));
    zips.set(name, readFileSync(join(dist, `${name}.zip`)));
  }
  for (const k of Object.keys(process.env)) if (/^(AIO_|IMS_OAUTH_S2S_)/.test(k)) delete process.env[k];
  Object.assign(process.env, {
    AIO_RUNTIME_APIHOST: apihost,
    AIO_RUNTIME_AUTH: 'user:pass',
    AIO_RUNTIME_NAMESPACE: 'test-ns',
    EVENTS_CLIENT_ID: 'relay-client-id',
    LEAD_ACTIVITY_TOKENS: 'push-token-1',
    LOG_LEVEL: 'warn',
    // what `aio app use` writes to .env for the workspace's OAuth server-to-server credential
    IMS_OAUTH_S2S_CLIENT_ID: 'ims-client',
    IMS_OAUTH_S2S_CLIENT_SECRET: 'ims-secret',
    IMS_OAUTH_S2S_ORG_ID: 'ORG@AdobeOrg',
    IMS_OAUTH_S2S_SCOPES: '["adobeio_api","openid"]',
  });
  process.chdir(work);
  const config = (await appConfig.load({})).all.application;
  hooks = config.hooks;
  await deployActions(config, { useForce: true }, (line: string) => logLines.push(line));
}, 60000);

afterAll(async () => {
  process.chdir(saved.cwd);
  process.env = saved.env;
  await controller.stop();
  rmSync(work, { recursive: true, force: true });
});

const action = (name: string): Json => {
  const a = controller.actions.get(`${PKG}/${name}`);
  if (!a) throw new Error(`action ${name} was not deployed (deployed: ${[...controller.actions.keys()].join(', ')})`);
  return a;
};
/** the actions deployed with require-adobe-auth: Adobe's deploy turns each into a sequence in front of __secured_<name> */
const SECURED = ['status', 'console'];
const deployedName = (name: string): string => (SECURED.includes(name) ? `__secured_${name}` : name);
const annotations = (name: string) => kv(action(name).annotations);
const inputs = (name: string) => kv(action(name).parameters);

test('the deploy completes against the controller, and only the controller was called', () => {
  expect(logLines).toContain('Success: Deployment completed successfully.');
  expect(controller.requests.length).toBeGreaterThan(0);
  expect(controller.requests.every((r) => r.authorization === `Basic ${Buffer.from('user:pass').toString('base64')}`)).toBe(true);
});

test('the package is created', () => {
  expect([...controller.packages.keys()]).toEqual([PKG]);
});

test('every action of app.config.yaml is created with its zip, on the newest Runtime Node kind (nodejs:24)', () => {
  const plain = Object.keys(manifestActions).filter((n) => !SECURED.includes(n));
  for (const name of plain) {
    const exec = action(name).exec as { kind: string; code: string; main?: string };
    expect(exec.kind).toBe('nodejs:24');
    expect(exec.main).toBeUndefined();
    expect(Buffer.from(exec.code, 'base64').equals(zips.get(name)!)).toBe(true);
  }
});

test('receivers are raw web actions, final, public (their own authentication)', () => {
  for (const name of ['user-audit', 'notification', 'lead-activity']) {
    const a = annotations(name);
    expect(a['web-export']).toBe(true);
    expect(a['raw-http']).toBe(true);
    expect(a.final).toBe(true);
    expect(a['require-adobe-auth']).toBe(false);
  }
});

test('registration receivers, replay, catch-up and log-events are not web actions', () => {
  for (const name of ['user-audit-registration', 'notification-registration', 'lead-activity-registration', 'replay', 'catch-up', 'log-events']) {
    expect(annotations(name)['web-export']).toBe(false);
    expect(annotations(name)['raw-http']).toBe(false);
  }
});

test('status and the console are the secured sequences Adobe builds: the app-registry validator (the app has a frontend), then the non-web __secured_<name>', () => {
  for (const name of SECURED) {
    const seq = action(name);
    const exec = seq.exec as { kind: string; components: string[] };
    expect(exec.kind).toBe('sequence');
    expect(exec.components).toEqual(['/adobeio/shared-validators-v1/app-registry', `/test-ns/${PKG}/__secured_${name}`]);
    const secured = action(`__secured_${name}`);
    expect((secured.exec as { kind: string }).kind).toBe('nodejs:24');
    expect(Buffer.from((secured.exec as { code: string }).code, 'base64').equals(zips.get(name)!)).toBe(true);
    expect(kv(secured.annotations)['web-export']).toBe(false);
    expect(kv(secured.annotations)['require-adobe-auth']).toBeUndefined();
  }
});

test('the secured sequences are raw web actions with no params of their own: a request reaches status and the console only as __ow_query / __ow_body, and `final` could protect nothing', () => {
  for (const name of SECURED) {
    const seq = action(name);
    // the web entry point: raw, and the only web action of the pair
    expect({ name, web: kv(seq.annotations)['web-export'], raw: kv(seq.annotations)['raw-http'] }).toEqual({ name, web: true, raw: true });
    // nothing for `final` to hold on the sequence (WebActions.scala checks only its own params), and no `final` anywhere
    expect(seq.parameters ?? []).toEqual([]);
    expect(kv(seq.annotations).final).toBeUndefined();
    expect(kv(action(`__secured_${name}`).annotations).final).toBeUndefined();
    // the settings are the secured action's inputs, merged under the request's params by the controller
    expect(Object.keys(inputs(`__secured_${name}`)).filter((k) => /^[A-Z]/.test(k)).sort()).toEqual(settingsOf(ACTION_SETTINGS[name]).sort());
  }
});

test('limits are passed through from the manifest', () => {
  for (const name of ['user-audit', 'notification', 'lead-activity', 'user-audit-registration', 'notification-registration', 'lead-activity-registration']) {
    expect({ name, limits: action(name).limits }).toEqual({ name, limits: { timeout: 60000, memory: 512, concurrency: 40, logs: 10 } });
  }
  expect((action('catch-up').limits as Json).timeout).toBe(600000);
});

test('$VAR inputs are filled from the environment at deploy time', () => {
  expect(inputs('user-audit').EVENTS_CLIENT_ID).toBe('relay-client-id');
  expect(inputs('lead-activity').LEAD_ACTIVITY_TOKENS).toBe('push-token-1');
});

test('each action gets exactly the settings it reads (least privilege), nothing else', () => {
  for (const name of Object.keys(manifestActions)) {
    const settings = Object.keys(inputs(deployedName(name))).filter((k) => /^[A-Z][A-Z0-9_]*$/.test(k)).sort();
    expect({ name, settings }).toEqual({ name, settings: settingsOf(ACTION_SETTINGS[name]).sort() });
  }
  expect(inputs('log-events')).toEqual({ LOG_LEVEL: 'warn' });
  for (const name of ['user-audit', 'notification', 'user-audit-registration', 'replay', '__secured_status', '__secured_console', 'log-events']) {
    expect(inputs(name)).not.toHaveProperty('LEAD_ACTIVITY_TOKENS');
    expect(inputs(name)).not.toHaveProperty('LEAD_ACTIVITY_OAUTH_CLIENT_SECRET');
  }
});

test('actions that invoke others or use aio-lib-state get the API key; log-events does not', () => {
  for (const name of ['user-audit', 'notification', 'lead-activity', 'user-audit-registration', 'notification-registration', 'lead-activity-registration', 'replay', 'catch-up', '__secured_status', '__secured_console']) {
    expect({ name, key: annotations(name)['provide-api-key'] }).toEqual({ name, key: true });
  }
  expect(annotations('log-events')['provide-api-key']).toBe(false);
});

test('status, the console and catch-up get the workspace credential through include-ims-credentials; no other action does', () => {
  for (const name of ['__secured_status', '__secured_console', 'catch-up']) {
    expect(inputs(name).__ims_oauth_s2s).toEqual({ client_id: 'ims-client', client_secret: 'ims-secret', org_id: 'ORG@AdobeOrg', scopes: ['adobeio_api', 'openid'] });
    expect(inputs(name).__ims_env).toBe('prod');
  }
  for (const name of Object.keys(manifestActions).filter((n) => !SECURED.includes(n) && n !== 'catch-up')) {
    expect(inputs(name)).not.toHaveProperty('__ims_oauth_s2s');
  }
  for (const name of Object.keys(manifestActions)) expect(Object.keys(inputs(deployedName(name))).filter((k) => /^ADOBE_CLIENT/.test(k))).toEqual([]);
});

test('aio app test runs npm test (the test hook), and a build checks the configuration first', () => {
  expect(hooks.test).toBe('npm test');
  expect(hooks['pre-app-build']).toBe('npm run -s check-config');
});

test('the replay alarm trigger, its feed CREATE and its rule', () => {
  const trigger = controller.triggers.get('replayEvery5Minutes');
  expect(trigger).toBeDefined();
  expect(kv(trigger!.annotations).feed).toBe('/whisk.system/alarms/interval');
  const create = controller.feeds.find((f) => f.feed === '/whisk.system/alarms/interval' && f.params.lifecycleEvent === 'CREATE');
  expect(create?.params).toEqual(expect.objectContaining({ minutes: 5, triggerName: '/test-ns/replayEvery5Minutes' }));
  const rule = controller.rules.get('replayEvery5MinutesRule');
  expect(rule).toEqual(expect.objectContaining({ trigger: expect.stringContaining('replayEvery5Minutes'), action: expect.stringContaining(`${PKG}/replay`) }));
});

test('the catalog refresh alarm trigger (every 6 hours), its feed CREATE and its rule', () => {
  expect(controller.triggers.get('refreshCatalogEvery6Hours')).toBeDefined();
  const create = controller.feeds.find((f) => f.feed === '/whisk.system/alarms/interval' && f.params.triggerName === '/test-ns/refreshCatalogEvery6Hours' && f.params.lifecycleEvent === 'CREATE');
  expect(create?.params).toEqual(expect.objectContaining({ minutes: 360, lifecycleEvent: 'CREATE' }));
  expect(controller.rules.get('refreshCatalogEvery6HoursRule')).toEqual(expect.objectContaining({ action: expect.stringContaining(`${PKG}/refresh-catalog`) }));
});
