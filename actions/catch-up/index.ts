/**
 * Journal catch-up: pulls a registration's I/O Events journal and feeds the
 * events through normalize → route → forward (idempotent with live delivery).
 * `aio rt action invoke marketo-stream-relay/catch-up -p journalUrl <url> -p stream user-audit -p since 6h -r`
 */
import { runCatchUp } from '../../src/relay/catch-up-run';

export const main = (params: Record<string, unknown>) => runCatchUp(params);
