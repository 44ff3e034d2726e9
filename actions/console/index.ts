/** The operator console's backend (web-src/ is its UI). Deployed with require-adobe-auth; the caller's IMS org must be the app's. */
import { runConsole } from '../../src/relay/console-run';

export const main = (params: Record<string, unknown>) => runConsole(params);
