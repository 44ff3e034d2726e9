/**
 * The params a web action of app.config.yaml gets for a request, as deployed:
 * its kind and `final` read from the manifest (dev/manifest.ts: `final` is void
 * under require-adobe-auth), built as the controller builds them
 * (dev/runtime-params.ts).
 */
import { loadManifest } from '../../dev/manifest';
import { webActionParams, type HttpLike, type ParamsResult } from '../../dev/runtime-params';

const manifest = loadManifest();

export function deployedParams(action: string, req: HttpLike, inputs: Record<string, unknown>): ParamsResult {
  const a = manifest.actions.find((x) => x.name === action);
  if (!a?.web) throw new Error(`${action} is not a web action of app.config.yaml`);
  return webActionParams(req, inputs, { web: a.web, final: a.final });
}
