/**
 * The local runtime reads `final` as the platform applies it (dev/manifest.ts):
 * on a web action with `require-adobe-auth: true` Adobe's deploy puts a sequence
 * with no params of its own in front of the non-web `__secured_<name>`, so
 * `final` protects nothing there, and locally it must not either — or a test
 * against the local runtime would credit `final` with the action's own defence.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest } from '../../dev/manifest';
import { webActionParams } from '../../dev/runtime-params';

const YAML = `application:
  runtimeManifest:
    packages:
      pkg:
        actions:
          secured-yes: { function: a.js, web: 'yes', inputs: { SETTING: x }, annotations: { require-adobe-auth: true, final: true } }
          secured-raw: { function: a.js, web: raw, inputs: { SETTING: x }, annotations: { require-adobe-auth: true, final: true } }
          public-final: { function: a.js, web: 'yes', inputs: { SETTING: x }, annotations: { require-adobe-auth: false, final: true } }
          not-web: { function: a.js, web: 'no', annotations: { require-adobe-auth: true, final: true } }
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifest-final-'));
  writeFileSync(join(dir, 'app.config.yaml'), YAML);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('final under require-adobe-auth', () => {
  it('is void on a secured web action of either kind, kept on a public one; a non-web action is not rewritten', () => {
    const of = Object.fromEntries(loadManifest(join(dir, 'app.config.yaml')).actions.map((a) => [a.name, { web: a.web, adobeAuth: a.adobeAuth, final: a.final }]));
    expect(of).toEqual({
      'secured-yes': { web: 'yes', adobeAuth: true, final: false },
      'secured-raw': { web: 'raw', adobeAuth: true, final: false },
      'public-final': { web: 'yes', adobeAuth: false, final: true },
      'not-web': { web: false, adobeAuth: false, final: true },
    });
  });
  it('so a request naming an input of a secured web: yes action replaces it, as on the platform; a public final action refuses it', () => {
    const actions = loadManifest(join(dir, 'app.config.yaml')).actions;
    const def = (name: string) => {
      const a = actions.find((x) => x.name === name)!;
      return { web: a.web as 'yes' | 'raw', final: a.final };
    };
    const req = { method: 'GET', headers: {}, query: 'SETTING=request', body: Buffer.alloc(0) };
    expect(webActionParams(req, { SETTING: 'x' }, def('secured-yes'))).toMatchObject({ ok: true, params: { SETTING: 'request' } });
    expect(webActionParams(req, { SETTING: 'x' }, def('public-final'))).toMatchObject({ ok: false, status: 400 });
    expect(webActionParams(req, { SETTING: 'x' }, def('secured-raw'))).toMatchObject({ ok: true, params: { SETTING: 'x', __ow_query: 'SETTING=request' } });
  });
});
