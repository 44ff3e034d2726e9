/** User Audit webhook (and Runtime-action registration): the Adobe I/O Events receiver. */
import { receiveIoWebhook } from '../../src/relay/io-webhook';
import { runReceiver } from '../../src/relay/run';

export const main = (params: Record<string, unknown>) => runReceiver('user-audit', 'user-audit', params, receiveIoWebhook('user-audit'));
