/**
 * The default downstream: a non-web action that logs what it receives — one
 * line per invocation with the route and every event id — so `aio app logs`
 * shows what the relay forwarded.
 */
import { createLog, parseLogLevel } from '../../src/log';

interface Forwarded {
  route?: string;
  events?: { id?: string; stream?: string; type?: string }[];
  LOG_LEVEL?: string;
}

/** an invalid LOG_LEVEL is said once per container (npm run check-config refuses it before deploy) */
let reportedLevel = false;

export async function main(params: Forwarded): Promise<{ route?: string; logged: number }> {
  const level = parseLogLevel(params.LOG_LEVEL);
  const log = createLog('marketo-stream-relay/log-events', level ?? 'info');
  if (!level && !reportedLevel) {
    reportedLevel = true;
    log.error('configuration invalid: LOG_LEVEL is not a level; logging at info', { errors: [`LOG_LEVEL: expected error, warn, info, debug or off, got "${String(params.LOG_LEVEL).slice(0, 40)}"`] });
  }
  const events = Array.isArray(params.events) ? params.events : [];
  const types: Record<string, number> = {};
  for (const e of events) types[e.type ?? 'unknown'] = (types[e.type ?? 'unknown'] ?? 0) + 1;
  log.info('events received', { route: params.route, events: events.length, types, eventIds: events.map((e) => e.id) });
  return { route: params.route, logged: events.length };
}
