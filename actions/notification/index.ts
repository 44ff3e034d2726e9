/** Notification webhook (campaign abort/failure, web-services quota): the Adobe I/O Events receiver. */
import { receiveIoWebhook } from '../../src/relay/io-webhook';
import { runReceiver } from '../../src/relay/run';

export const main = (params: Record<string, unknown>) => runReceiver('notification', 'notification', params, receiveIoWebhook('notification'));
