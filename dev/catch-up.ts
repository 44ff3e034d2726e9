/**
 * `npm run catch-up -- --journal <url> --since <time|duration|latest> [--stream s] [--position p] [--org <id>@AdobeOrg]`:
 * runs the catch-up action locally (credentials and ADOBE_ORG_ID from .env), handing events to the local runtime.
 */
import { parseArgs } from 'node:util';
import { main as catchUp } from '../actions/catch-up/index';
import { serveLocally } from './serve';

async function run(): Promise<number> {
  const { values } = parseArgs({ options: { journal: { type: 'string' }, since: { type: 'string' }, stream: { type: 'string' }, position: { type: 'string' }, org: { type: 'string' }, 'max-events': { type: 'string' } } });
  const server = await serveLocally({ bundles: false, port: 0 });
  try {
    const result = await catchUp({ ...process.env, journalUrl: values.journal ?? process.env.ADOBE_JOURNAL_URL, since: values.since, stream: values.stream, position: values.position, orgId: values.org, maxEvents: values['max-events'] });
    await server.idle();
    console.log(JSON.stringify(result, null, 2));
    return 'error' in result || result.report.end.reason === 'expired' || result.report.end.reason === 'error' || result.report.end.reason === 'auth' ? 1 : 0;
  } finally {
    await server.close();
  }
}

run().then((code) => process.exit(code), (err: Error) => (console.error(err.message), process.exit(1)));
