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
};

/** process.env after loading .env, with the embedded defaults filled in and `forced` values set. */
export function localEnv(forced: Record<string, string> = {}): Record<string, string | undefined> {
  const envFile = resolve(ROOT, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  for (const [k, v] of Object.entries(LOCAL_DEFAULTS)) if (!process.env[k]) process.env[k] = v;
  Object.assign(process.env, forced);
  return process.env;
}
