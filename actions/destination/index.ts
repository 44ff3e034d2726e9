/**
 * Delivers a destination route's events (`{ route, events }`, handed off by a
 * receiver, catch-up or replay) to the destination its route names in
 * DESTINATIONS: a Standard Webhooks endpoint, …
 */
import { runDestination } from '../../src/relay/destination-run';

export const main = (params: Record<string, unknown>) => runDestination(params);
