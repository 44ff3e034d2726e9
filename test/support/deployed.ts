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

/** An operator of the app's own org, as the console's browser calls it: an IMS user token and the org header. */
export const CONSOLE_ORG = '1234567890ABCDEF12345678@AdobeOrg';
const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
export const CONSOLE_USER_TOKEN = `${part({ alg: 'RS256' })}.${part({ user_id: 'ops-person@AdobeID', type: 'access_token' })}.c2lnbmF0dXJl`;
/** what include-ims-credentials gives the console: the workspace credential, whose org the caller's must be */
export const CONSOLE_IMS_INPUTS = { __ims_oauth_s2s: { client_id: 'c', client_secret: 's', org_id: CONSOLE_ORG, scopes: [] } };

export interface ConsoleAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** One request to the console action as deployed (`main` is actions/console's), by that operator. */
export async function callConsole(
  main: (params: Record<string, unknown>) => Promise<unknown>,
  req: { method?: string; query?: string; body?: string; headers?: Record<string, string> },
  inputs: Record<string, unknown>,
): Promise<ConsoleAnswer> {
  const headers = { authorization: `Bearer ${CONSOLE_USER_TOKEN}`, 'x-gw-ims-org-id': CONSOLE_ORG, ...(req.body ? { 'content-type': 'application/json' } : {}), ...req.headers };
  const built = deployedParams('console', { method: req.method ?? (req.body ? 'POST' : 'GET'), headers, query: req.query ?? '', body: Buffer.from(req.body ?? '') }, { ...CONSOLE_IMS_INPUTS, ...inputs });
  if (!built.ok) throw new Error(built.error);
  const res = (await main(built.params)) as { statusCode: number; headers: Record<string, string>; body: string };
  return { statusCode: res.statusCode, headers: res.headers, body: JSON.parse(res.body) as Record<string, unknown> };
}
