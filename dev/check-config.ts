/**
 * `npm run check-config [-- --routes file.yaml [--print-json]] [--local]`: validates the
 * configuration the actions will get (.env / environment, ROUTES and DESTINATIONS
 * together: a route's destination must be defined; deployed URL rules unless
 * --local), or a routes file, and app.config.yaml's least privilege: every action gets exactly the
 * settings ACTION_SETTINGS (src/config.ts) says it reads, and the annotations it
 * needs. It says precisely what is wrong. `npm start` runs the same check.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import { ACTION_SETTINGS, CONFIG_NAME, parseConfig, settingsOf, SETTING_GROUPS } from '../src/config';
import { parseRoutes, type RouteTable } from '../src/delivery/routes';
import { parseDestinations } from '../src/destinations/registry';
import { localEnv } from './local-env';
import { loadManifest, type Manifest } from './manifest';

/** Every concern some deployed action reads: the settings the whole app cannot run without are required. */
const EVERY_CONCERN = [...new Set(Object.values(ACTION_SETTINGS).flatMap((a) => a.settings))];

/** Every destination a route names is defined in DESTINATIONS (the receivers never see DESTINATIONS: checked here, before deploy). */
function checkDestinations(routes: RouteTable | undefined, source: string | undefined, local: boolean): string[] {
  const named = (routes?.routes ?? []).filter((r) => r.destination !== undefined);
  if (source === undefined || source === '') return named.map((r) => `ROUTES: route "${r.name}" names destination "${r.destination}", but DESTINATIONS is not set`);
  const table = parseDestinations(source, { local });
  if (!table.ok) return table.errors;
  return named.filter((r) => !table.value.has(r.destination as string)).map((r) => `ROUTES: route "${r.name}" names destination "${r.destination}", which DESTINATIONS does not define (defined: ${[...table.value.keys()].join(', ') || 'none'})`);
}

/** `local`: the local runtime's rules for DESTINATIONS (loopback http: URLs); the deployed rules otherwise. */
export function checkConfig(env: Record<string, string | undefined>, routesFile?: string, o: { local?: boolean } = {}): { errors: string[]; routesJson?: string } {
  const config = parseConfig(env, EVERY_CONCERN);
  const errors = config.ok ? [] : [...config.errors];
  const source = routesFile ? load(readFileSync(routesFile, 'utf8')) : env.ROUTES;
  let table: RouteTable | undefined;
  if (source !== undefined && source !== '') {
    const routes = parseRoutes(source);
    if (!routes.ok) errors.push(...routes.errors.map((e) => `ROUTES: ${e}`));
    else table = routes.value;
  }
  errors.push(...checkDestinations(table, config.ok ? config.config.destinations : env.DESTINATIONS, o.local ?? false));
  if (routesFile && table) return { errors, routesJson: JSON.stringify(source) };
  return { errors };
}

const groupOf = (setting: string): string =>
  Object.entries(SETTING_GROUPS).find(([, names]) => (names as readonly string[]).includes(setting))?.[0] ?? 'no concern';

/** app.config.yaml against ACTION_SETTINGS: missing settings, extra settings, annotations. */
export function checkManifest(manifest: Manifest = loadManifest()): string[] {
  const errors: string[] = [];
  const local = new Set<string>(SETTING_GROUPS.local);
  for (const a of manifest.actions) {
    const needs = ACTION_SETTINGS[a.name];
    if (!needs) {
      errors.push(`app.config.yaml: action ${a.name} has no entry in ACTION_SETTINGS (src/config.ts): say which settings it reads`);
      continue;
    }
    const wanted = new Set(settingsOf(needs));
    const given = new Set(a.inputNames.filter((n) => CONFIG_NAME.test(n)));
    for (const s of wanted) if (!given.has(s)) errors.push(`app.config.yaml: action ${a.name} reads ${s} (${groupOf(s)}) but its inputs do not give it`);
    for (const s of given) {
      if (local.has(s)) errors.push(`app.config.yaml: action ${a.name} gets ${s}, a local-only setting`);
      else if (!wanted.has(s)) errors.push(`app.config.yaml: action ${a.name} gets ${s} (${groupOf(s)}), which it does not read`);
    }
    const flag = (k: string) => a.annotations[k] === true;
    if (needs.apiKey !== flag('provide-api-key')) {
      errors.push(`app.config.yaml: action ${a.name} ${needs.apiKey ? 'needs' : 'must not have'} annotation provide-api-key: true${needs.apiKey ? ' (it invokes actions or uses aio-lib-state)' : ''}`);
    }
    if (needs.ims !== flag('include-ims-credentials')) {
      errors.push(`app.config.yaml: action ${a.name} ${needs.ims ? 'needs' : 'must not have'} annotation include-ims-credentials: true${needs.ims ? ' (it calls Adobe APIs with the workspace credential)' : ''}`);
    }
  }
  for (const name of Object.keys(ACTION_SETTINGS)) {
    if (!manifest.actions.some((a) => a.name === name)) errors.push(`ACTION_SETTINGS (src/config.ts) names ${name}, which app.config.yaml does not deploy`);
  }
  return errors;
}

/**
 * What one container needs, measured by `npm run bench:memory` (README "Memory sizing"):
 * a warm receiver container's own footprint, what one worst-case delivery (a 1 MiB
 * Lead Activity push) keeps alive until it is handed off, and room for the collector.
 */
export const MEMORY_BUDGET = { containerMiB: 80, worstDeliveryMiB: 7, gcHeadroom: 1.5 };

/** Every action's memorySize holds `concurrency` worst-case deliveries at once. */
export function checkLimits(manifest: Manifest = loadManifest()): string[] {
  const errors: string[] = [];
  const { containerMiB, worstDeliveryMiB, gcHeadroom } = MEMORY_BUDGET;
  for (const a of manifest.actions) {
    const memory = a.limits.memorySize ?? 256;
    const concurrency = a.limits.concurrency ?? 1;
    const needed = containerMiB + concurrency * worstDeliveryMiB * gcHeadroom;
    if (needed > memory) {
      errors.push(`app.config.yaml: action ${a.name}: concurrency ${concurrency} needs ${Math.ceil(needed)} MB (${containerMiB} + ${concurrency} × ${worstDeliveryMiB} × ${gcHeadroom}), memorySize is ${memory}`);
    }
  }
  return errors;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { routes: { type: 'string' }, 'print-json': { type: 'boolean' }, local: { type: 'boolean' } } });
  const { errors, routesJson } = checkConfig(localEnv(), values.routes, { local: values.local });
  errors.push(...checkManifest(), ...checkLimits());
  if (errors.length) {
    console.error(`configuration invalid:\n  - ${errors.join('\n  - ')}`);
    process.exit(1);
  }
  if (values['print-json'] && routesJson) console.log(`ROUTES=${routesJson}`);
  else console.log('configuration valid');
}
