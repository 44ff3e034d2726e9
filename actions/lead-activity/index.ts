/**
 * Lead Activity: Marketo's legacy push (static token or OAuth2 client
 * credentials) and the Adobe I/O Events form (signed), on one URL.
 */
import { receiveLeadActivity } from '../../src/relay/lead-push-receive';
import { runReceiver } from '../../src/relay/run';

export const main = (params: Record<string, unknown>) => runReceiver('lead-activity', 'lead-activity', params, receiveLeadActivity);
