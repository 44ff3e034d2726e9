/**
 * Re-drives parked events through their routes. Runs every 5 minutes (alarm
 * trigger in app.config.yaml) and by hand:
 * `aio rt action invoke marketo-stream-relay/replay -p route security -p since 6h -r`.
 */
import { runReplay } from '../../src/relay/replay-run';

export const main = (params: Record<string, unknown>) => runReplay(params);
