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

export async function main(params: Forwarded): Promise<{ route?: string; logged: number }> {
  const log = createLog('marketo-stream-relay/log-events', parseLogLevel(params.LOG_LEVEL));
  const events = Array.isArray(params.events) ? params.events : [];
  const types: Record<string, number> = {};
  for (const e of events) types[e.type ?? 'unknown'] = (types[e.type ?? 'unknown'] ?? 0) + 1;
  log.info('events received', { route: params.route, events: events.length, types, eventIds: events.map((e) => e.id) });
  return { route: params.route, logged: events.length };
}
