/**
 * Reads app.config.yaml: the package, its actions, and for each what the
 * platform needs to run it as deployed: whether it is a web action and of which
 * kind (`web: raw`, or the `raw-http` annotation, is raw; `web: yes` gets merged
 * params), whether its inputs are `final` — never for a web action with
 * `require-adobe-auth: true`, which Adobe's deploy turns into a sequence with no
 * params of its own in front of the non-web `__secured_<name>`, so `final`
 * protects nothing there (src/relay/operator-request.ts cites the sources) —
 * whether it is given the API key
 * (`provide-api-key`: the controller sets it false on a new action that does not
 * say, apache/openwhisk Actions.scala), its timeout, annotations, limits and
 * input names.
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
  /** `require-adobe-auth: true` on a web action: deployed as a sequence behind Adobe's validator */
  adobeAuth: boolean;
  /** its inputs cannot be overridden by a request (false wherever `final` has no effect) */
  final: boolean;
  provideApiKey: boolean;
  /** ms (OpenWhisk's default: 60 s) */
  timeoutMs: number;
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
      const web = webKind(a);
      const adobeAuth = web !== false && truthy(a.annotations?.['require-adobe-auth']);
      actions.push({
        package: pkg,
        name,
        function: a.function ?? '',
        web,
        adobeAuth,
        final: truthy(a.annotations?.final) && !adobeAuth,
        // the controller gives a new action provide-api-key: false unless it says otherwise (Actions.scala)
        provideApiKey: truthy(a.annotations?.['provide-api-key']),
        timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 60_000,
        inputNames: Object.keys(a.inputs ?? {}),
        annotations: a.annotations ?? {},
        limits: a.limits ?? {},
      });
    }
  }
  return { packageName: Object.keys(packages)[0] ?? 'marketo-stream-relay', actions };
}
