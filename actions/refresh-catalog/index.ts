/**
 * Fetches each configured Marketo instance's activity-type catalog into the
 * shared store. Runs every 6 hours (alarm trigger in app.config.yaml) and by hand:
 * `aio rt action invoke marketo-stream-relay/refresh-catalog -r`.
 */
import { runRefreshCatalog } from '../../src/relay/refresh-catalog-run';

export const main = (params: Record<string, unknown>) => runRefreshCatalog(params);
