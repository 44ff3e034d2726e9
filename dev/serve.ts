/**
 * `npm run serve`: the local runtime on PORT (default 9080), actions loaded
 * from source (or from the built bundles with --bundles), downstream
 * invocations recorded durably in LOCAL_INVOCATIONS_FILE (.local/invocations.jsonl).
 *
 *   LOCAL_API_KEY          the namespace key (`uuid:key`) the invoke API and
 *                          /_local/faults require, and the actions get as
 *                          __OW_API_KEY (default: a new one at every start, printed)
 *   LOCAL_INVOKE_FAULTS    `target=429|503|hang,…` (`*` = every target), changed
 *                          while running with PUT /_local/faults {"faults": "…"}
 *   LOCAL_INVOKE_API_HOST  send the actions' hand-offs to another local runtime
 *                          (a separate downstream process with the same
 *                          LOCAL_API_KEY) instead of this one
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { localEnv, ROOT } from './local-env';
import type { ManifestAction } from './manifest';
import { setRelayOverrides } from '../src/relay/context';
import { LOCAL_RUNTIME_MARK } from '../src/runtime/activation';
import { generateApiKey, startLocalServer, type ActionMain, type LocalServer } from './server';

/**
 * The build `npm start` and `npm run build` run: the action bundles, and the console as it is
 * deployed — minified (aio minifies web assets only with --web-optimize) and with React's
 * production build (Parcel takes NODE_ENV from the environment; unset, it bundles React's
 * development build: larger, slower, and with its warnings).
 */
export const BUILD_ARGS = ['aio', 'app', 'build', '--web-optimize'];
export const BUILD_ENV = { NODE_ENV: 'production' };

/** Where `aio app build` writes the operator console's files (web-src/ built by Parcel). */
export const WEB_DIST = resolve(ROOT, 'dist/application/web-prod');

/** Where `aio app build` writes an action's bundle. */
export const bundlePath = (a: ManifestAction): string => resolve(ROOT, 'dist/application/actions', a.package, `${a.name}-temp`, 'index.js');

export function loaderFor(bundles: boolean): (a: ManifestAction) => ActionMain {
  return (a) => {
    const file = bundles ? bundlePath(a) : resolve(ROOT, a.function);
    if (!existsSync(file)) throw new Error(`${file} not found${bundles ? ': run npm run build first' : ''}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(file) as { main: ActionMain }).main;
  };
}

/** Starts the local runtime and points the actions' openwhisk client at it. */
export async function serveLocally(opts: { bundles: boolean; port?: number; env?: Record<string, string> }): Promise<LocalServer> {
  const env = localEnv(opts.env);
  const apiKey = env.LOCAL_API_KEY || generateApiKey();
  const server = await startLocalServer({
    port: opts.port ?? Number(env.PORT ?? 9080),
    load: loaderFor(opts.bundles),
    env,
    invocationsFile: env.LOCAL_INVOCATIONS_FILE ?? resolve(ROOT, '.local/invocations.jsonl'),
    apiKey,
    faults: env.LOCAL_INVOKE_FAULTS ?? '',
    webDir: existsSync(WEB_DIST) ? WEB_DIST : undefined,
  });
  // what a container has from its start: the API host, and this process marked as the local runtime
  // (its activations may use the file store); each activation's own values are set when it runs
  process.env[LOCAL_RUNTIME_MARK] = '1';
  process.env.__OW_API_HOST = env.LOCAL_INVOKE_API_HOST || server.url;
  process.env.__OW_API_KEY = apiKey;
  // actions from source share this process: they hand off in-process; bundles keep their
  // own copy of the code and reach the invoke API through their openwhisk client, as do
  // all actions when the hand-offs go to another local runtime
  if (!opts.bundles && !env.LOCAL_INVOKE_API_HOST) setRelayOverrides({ invokers: server.invokers });
  return server;
}

if (require.main === module) {
  const bundles = process.argv.includes('--bundles');
  serveLocally({ bundles })
    .then((server) => {
      console.log(`marketo-stream-relay local runtime on ${server.url}/api/v1/web/marketo-stream-relay/<action> (${bundles ? 'bundles' : 'source'})`);
      console.log(`invoke API ${server.url}/api/v1/namespaces/_/actions/<pkg>/<action> — key (LOCAL_API_KEY) ${server.apiKey}`);
      console.log(`operator console ${server.url}/${existsSync(WEB_DIST) ? '' : ' (not built: npm run build)'}`);
      console.log(`invocations recorded in ${process.env.LOCAL_INVOCATIONS_FILE}; faults ${JSON.stringify(server.faults.current())} (PUT ${server.url}/_local/faults)`);
      if (process.env.LOCAL_INVOKE_API_HOST) console.log(`hand-offs go to ${process.env.LOCAL_INVOKE_API_HOST}`);
      const stop = (): void => void server.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
