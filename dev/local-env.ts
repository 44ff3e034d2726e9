/**
 * The local environment: `.env` when present (the same names the deployed
 * actions get as inputs), then the embedded defaults that make the app run
 * with no Adobe account. The store is left to STATE_STORE's `auto`: Redis when
 * REDIS_URL is set (as the README says), else files under LOCAL_DATA_DIR.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');

export const LOCAL_DEFAULTS: Record<string, string> = {
  LOG_LEVEL: 'info',
  EVENTS_CLIENT_ID: 'marketo-stream-relay-local',
  LOCAL_DATA_DIR: resolve(ROOT, '.local'),
  LOCAL_INVOCATIONS_FILE: resolve(ROOT, '.local/invocations.jsonl'),
  LEAD_ACTIVITY_TOKENS: 'local-dev-token',
  PORT: '9080',
  // the org of the workspace credential (include-ims-credentials): the console admits callers of this org only
  IMS_OAUTH_S2S_ORG_ID: 'LOCAL0000000000000000000@AdobeOrg',
};

/**
 * The env file the local tools read: LOCAL_ENV_FILE, else `.env` in the project.
 * `none` reads none: the test run sets it (jest.setup.js), so a developer's `.env`
 * never reaches a test process or the processes tests start.
 */
export function localEnvFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.LOCAL_ENV_FILE;
  if (v === 'none') return undefined;
  return v ? resolve(v) : resolve(ROOT, '.env');
}

/** process.env after loading the env file, with the embedded defaults filled in and `forced` values set. */
export function localEnv(forced: Record<string, string> = {}): Record<string, string | undefined> {
  const envFile = localEnvFile();
  if (envFile && existsSync(envFile)) process.loadEnvFile(envFile);
  for (const [k, v] of Object.entries(LOCAL_DEFAULTS)) if (!process.env[k]) process.env[k] = v;
  Object.assign(process.env, forced);
  return process.env;
}

/**
 * What deploy's `include-ims-credentials` annotation adds to an action's inputs,
 * built from the same IMS_OAUTH_S2S_* variables (`aio app use` writes them to
 * .env); scopes are JSON-parsed when they parse, as @adobe/aio-lib-runtime does.
 */
export function imsCredentialInputs(env: Record<string, string | undefined>): Record<string, unknown> {
  const v = (k: string): string | undefined => env[`IMS_OAUTH_S2S_${k}`] || undefined;
  if (!v('CLIENT_ID') && !v('CLIENT_SECRET') && !v('ORG_ID')) return {};
  let scopes: unknown = v('SCOPES');
  try {
    scopes = JSON.parse(String(scopes));
  } catch {
    // a plain string, passed as is
  }
  return { __ims_oauth_s2s: { client_id: v('CLIENT_ID'), client_secret: v('CLIENT_SECRET'), org_id: v('ORG_ID'), scopes }, __ims_env: env.AIO_CLI_ENV === 'stage' ? 'stage' : 'prod' };
}
