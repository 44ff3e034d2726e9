/** Reads app.config.yaml: the package, its actions, whether each is a web action, and its input names. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';

export interface ManifestAction {
  package: string;
  name: string;
  function: string;
  web: boolean;
  inputNames: string[];
  annotations: Record<string, unknown>;
  limits: { memorySize?: number; concurrency?: number; timeout?: number };
}

export interface Manifest {
  packageName: string;
  actions: ManifestAction[];
}

type RawAction = { function?: string; web?: unknown; inputs?: Record<string, unknown>; annotations?: Record<string, unknown>; limits?: ManifestAction['limits'] };
type RawConfig = { application?: { runtimeManifest?: { packages?: Record<string, { actions?: Record<string, RawAction> }> } } };

export function loadManifest(path = resolve(__dirname, '..', 'app.config.yaml')): Manifest {
  const raw = load(readFileSync(path, 'utf8')) as RawConfig;
  const packages = raw.application?.runtimeManifest?.packages ?? {};
  const actions: ManifestAction[] = [];
  for (const [pkg, def] of Object.entries(packages)) {
    for (const [name, a] of Object.entries(def.actions ?? {})) {
      const web = a.web === 'raw' || a.web === 'yes' || a.web === true;
      actions.push({ package: pkg, name, function: a.function ?? '', web, inputNames: Object.keys(a.inputs ?? {}), annotations: a.annotations ?? {}, limits: a.limits ?? {} });
    }
  }
  return { packageName: Object.keys(packages)[0] ?? 'marketo-stream-relay', actions };
}
