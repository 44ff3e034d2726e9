/**
 * The catch-up action's composition: the journal URL (param `journalUrl` or
 * ADOBE_JOURNAL_URL), where to start (`position`, or `since` as a time or a
 * duration — the journal is then read from its oldest event and earlier events
 * are skipped), an IMS token for the workspace credential (include-ims-credentials), the stream.
 */
import { isStream } from '../envelope/envelope';
import { relayContext, reportConfigErrorsOnce } from '../relay/context';
import { parseSinceParam } from '../relay/replay-run';
import { imsAccessToken, imsCredential } from '../ims/credential';
import { catchUp, type CatchUpReport } from './catch-up';

export type CatchUpResult = { ok: true; report: CatchUpReport } | { error: { code: string; message: string } };

const fail = (code: string, message: string): CatchUpResult => ({ error: { code, message } });

export async function runCatchUp(params: Record<string, unknown>): Promise<CatchUpResult> {
  const c = relayContext(params, 'catch-up');
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log);
    return fail('config_invalid', 'the action configuration is invalid; the action log says why');
  }
  const { ctx } = c;
  const url = String(params.journalUrl ?? params.ADOBE_JOURNAL_URL ?? '');
  if (!/^https?:\/\//.test(url)) return fail('journal_url_missing', 'give the registration journal URL (journalUrl, or ADOBE_JOURNAL_URL): the registration\'s _links["rel:events"].href');
  const stream = params.stream ?? 'user-audit';
  if (!isStream(stream)) return fail('stream_invalid', 'stream must be user-audit, notification or lead-activity');
  const fromTime = parseSinceParam(params.since, ctx.now());
  if (fromTime === null) return fail('since_invalid', 'since must be an ISO time or a duration like 30m, 6h, 2d');
  const ims = imsCredential(params);
  if (!ims) return fail('credentials_missing', 'the workspace\'s OAuth server-to-server credential is missing: the action is deployed with include-ims-credentials: true, which needs IMS_OAUTH_S2S_CLIENT_ID, _CLIENT_SECRET, _ORG_ID and _SCOPES in .env (aio app use writes them)');
  let token: string;
  try {
    token = await imsAccessToken(ims);
  } catch (err) {
    return fail('ims_failed', (err as Error).message);
  }
  const report = await catchUp(ctx, stream, {
    url,
    token,
    apiKey: ims.clientId,
    since: typeof params.position === 'string' ? params.position : undefined,
    fromTime,
    maxEvents: Number(params.maxEvents ?? 20_000),
    maxPages: Number(params.maxPages ?? 1000),
  });
  ctx.log.info('journal catch-up', { stream, ...report });
  return { ok: true, report };
}
