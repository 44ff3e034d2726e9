/**
 * `npm run replay [-- --route r --stream s --since 6h --limit n]`: re-drives the
 * locally parked events (.local/state) through their routes, with the replay
 * action's own code; the hand-offs go to the local runtime's invoke API.
 */
import { parseArgs } from 'node:util';
import { main as replay } from '../actions/replay/index';
import { serveLocally } from './serve';

async function run(): Promise<number> {
  const { values } = parseArgs({ options: { route: { type: 'string' }, stream: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } } });
  const server = await serveLocally({ bundles: false, port: 0 });
  try {
    const params: Record<string, unknown> = { ...process.env, ...values };
    const result = await replay(params);
    await server.idle();
    console.log(JSON.stringify(result, null, 2));
    return 'error' in result ? 1 : 0;
  } finally {
    await server.close();
  }
}

run().then((code) => process.exit(code), (err: Error) => (console.error(err.message), process.exit(1)));
