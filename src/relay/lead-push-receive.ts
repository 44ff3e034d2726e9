/**
 * The lead-activity receive step. A request carrying Adobe signature headers
 * (or an unsigned async-validation POST, or a challenge GET) is the I/O Events
 * form and goes through the same checks as the other receivers; anything else
 * is Marketo's legacy push, authenticated by static token or OAuth2.
 */
import { payloadBound } from '../delivery/param-size';
import { isJsonContentType, parseJsonDocument } from '../http/request';
import { asyncValidationUrl, deliveryMetaOf } from '../io-events/receive';
import { hasSignatureHeaders } from '../io-events/signature';
import { rejected, ok, stop } from '../outcome';
import type { ReceiveStep } from './run';
import { receiveIoWebhook } from './io-webhook';
import { authenticatePush } from '../lead-push/authenticate';
import { pushAuthFor } from '../lead-push/auth-config';
import { normalizePushBatch, parsePushBatch } from '../lead-push/batch';

const ioForm = receiveIoWebhook('lead-activity');

export const receiveLeadActivity: ReceiveStep = async (req, ctx) => {
  const challenge = req.method === 'get' && req.query.has('challenge');
  if (challenge || hasSignatureHeaders(req.headers) || asyncValidationUrl(req) !== undefined) return ioForm(req, ctx);
  if (req.method !== 'post') return stop(rejected(405, 'method_not_allowed', 'Marketo pushes activities with POST'));
  if (!isJsonContentType(req.headers['content-type'])) {
    return stop(rejected(415, 'content_type_unsupported', 'the push must be application/json'));
  }
  const authenticated = await authenticatePush(req, pushAuthFor(ctx.config, ctx.log, ctx.sharedCache));
  if (!authenticated.ok) return authenticated;
  const body = parseJsonDocument(req.rawBody);
  if (!body.ok) return body;
  const batch = parsePushBatch(body.value.value);
  if (!batch.ok) return batch;
  const meta = { ...deliveryMetaOf(req.headers, 'lead-activity', 'legacy-push'), ...(batch.value.messageId ? { messageId: batch.value.messageId } : {}) };
  const received = normalizePushBatch(batch.value, meta, ctx.now(), ctx.config.zonelessTimeZone);
  return ok({ ...received, payloads: payloadBound({ bytes: req.rawBody.length, text: body.value.text }) });
};
