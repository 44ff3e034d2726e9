/**
 * `npm run replay [-- --route r --stream s --since 6h --limit n]`: re-drives the
 * locally parked events (.local/state) through their routes, with the replay
 * action's own code; the hand-offs go to the local runtime's invoke API.
 *
 * Dead letters: `npm run replay -- --dead-letters` lists them,
 * `--dead-letters replay` re-drives them, `--dead-letters discard` deletes
 * them (with the same filters, or `--id <record id>` for one). `--include-stale`
 * adds the stale dead letters (events delivered longer ago than idempotency
 * remembers: they may have been handed off before) to any of the three.
 */
import { parseArgs } from 'node:util';
import { main as replay } from '../actions/replay/index';
import { serveLocally } from './serve';

async function run(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { route: { type: 'string' }, stream: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' }, id: { type: 'string' }, 'dead-letters': { type: 'boolean' }, 'include-stale': { type: 'boolean' } },
  });
  const { 'dead-letters': deadLetters, 'include-stale': includeStale, ...filters } = values;
  if (!deadLetters && positionals.length) throw new Error(`unexpected argument ${positionals[0]} (dead-letter operations follow --dead-letters)`);
  const server = await serveLocally({ bundles: false, port: 0 });
  try {
    const params: Record<string, unknown> = { ...process.env, ...filters, ...(deadLetters ? { deadLetters: positionals[0] ?? 'list' } : {}), ...(includeStale ? { includeStale: true } : {}) };
    const result = await replay(params);
    await server.idle();
    console.log(JSON.stringify(result, null, 2));
    return 'error' in result ? 1 : 0;
  } finally {
    await server.close();
  }
}

run().then((code) => process.exit(code), (err: Error) => (console.error(err.message), process.exit(1)));
