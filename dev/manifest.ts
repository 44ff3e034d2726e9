/**
 * Reads app.config.yaml: the package, its actions, and for each what the
 * platform needs to run it as deployed: whether it is a web action and of which
 * kind (`web: raw`, or the `raw-http` annotation, is raw; `web: yes` gets merged
 * params), whether its inputs are `final`, whether it is given the API key
 * (`provide-api-key`, which OpenWhisk treats as true when absent), its timeout,
 * and its input names.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import type { WebKind } from './runtime-params';

export interface ManifestAction {
  package: string;
  name: string;
  function: string;
  /** false for a non-web action */
  web: WebKind | false;
  final: boolean;
  provideApiKey: boolean;
  /** ms (OpenWhisk's default: 60 s) */
  timeoutMs: number;
  inputNames: string[];
}

export interface Manifest {
  packageName: string;
  actions: ManifestAction[];
}

type RawAction = { function?: string; web?: unknown; inputs?: Record<string, unknown>; annotations?: Record<string, unknown>; limits?: { timeout?: unknown } };
type RawConfig = { application?: { runtimeManifest?: { packages?: Record<string, { actions?: Record<string, RawAction> }> } } };

const truthy = (v: unknown): boolean => v === true || v === 'true' || v === 'yes';

function webKind(a: RawAction): WebKind | false {
  const web = a.web === 'raw' ? 'raw' : truthy(a.web) ? 'yes' : false;
  return web && truthy(a.annotations?.['raw-http']) ? 'raw' : web;
}

export function loadManifest(path = resolve(__dirname, '..', 'app.config.yaml')): Manifest {
  const raw = load(readFileSync(path, 'utf8')) as RawConfig;
  const packages = raw.application?.runtimeManifest?.packages ?? {};
  const actions: ManifestAction[] = [];
  for (const [pkg, def] of Object.entries(packages)) {
    for (const [name, a] of Object.entries(def.actions ?? {})) {
      const timeout = Number(a.limits?.timeout);
      actions.push({
        package: pkg,
        name,
        function: a.function ?? '',
        web: webKind(a),
        final: truthy(a.annotations?.final),
        provideApiKey: a.annotations?.['provide-api-key'] === undefined ? true : truthy(a.annotations['provide-api-key']),
        timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 60_000,
        inputNames: Object.keys(a.inputs ?? {}),
      });
    }
  }
  return { packageName: Object.keys(packages)[0] ?? 'marketo-stream-relay', actions };
}
