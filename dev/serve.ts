/**
 * `npm run serve`: the local runtime on PORT (default 9080), actions loaded
 * from source (or from the built bundles with --bundles), downstream
 * invocations recorded in .local/invocations.jsonl.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { localEnv, ROOT } from './local-env';
import type { ManifestAction } from './manifest';
import { setRelayOverrides } from '../src/relay/context';
import { startLocalServer, type ActionMain, type LocalServer } from './server';

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
  const server = await startLocalServer({
    port: opts.port ?? Number(env.PORT ?? 9080),
    load: loaderFor(opts.bundles),
    env,
    invocationsFile: env.LOCAL_INVOCATIONS_FILE ?? resolve(ROOT, '.local/invocations.jsonl'),
  });
  // LOCAL_API_HOST: hand off to another OpenWhisk API (the crash soak's downstream) instead of this one
  const external = env.LOCAL_API_HOST;
  process.env.__OW_API_HOST = external || server.url;
  process.env.__OW_API_KEY = external ? (env.LOCAL_API_KEY ?? '') : 'local:local-dev-key';
  // actions from source share this process: they hand off in-process; bundles keep their
  // own copy of the code and reach the invoke API through their openwhisk client
  if (!opts.bundles && !external) setRelayOverrides({ invoker: server.invoker });
  return server;
}

if (require.main === module) {
  const bundles = process.argv.includes('--bundles');
  serveLocally({ bundles })
    .then((server) => {
      console.log(`marketo-stream-relay local runtime on ${server.url}/api/v1/web/marketo-stream-relay/<action> (${bundles ? 'bundles' : 'source'})`);
      const stop = (): void => void server.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
