/**
 * The catch-up action's composition: the journal URL (param `journalUrl` or
 * ADOBE_JOURNAL_URL), where to start — `position` (a journal position), or
 * `since` as a time or a duration (the journal is entered with `seek` a few
 * minutes before it, and events older than it are skipped), or `since=latest`
 * (the end of the journal) — an IMS token for the workspace credential
 * (include-ims-credentials), the org id (x-ims-org-id), the stream.
 */
import { isStream, STREAMS } from '../envelope/envelope';
import { contextError, relayContext, reportConfigErrorsOnce } from './context';
import { parseSinceParam } from './replay-run';
import { imsAccessToken, imsCredential } from '../ims/credential';
import { catchUp, type CatchUpReport } from './catch-up';

export type CatchUpResult = { ok: true; report: CatchUpReport } | { error: { code: string; message: string } };

const fail = (code: string, message: string): CatchUpResult => ({ error: { code, message } });

/** Seek this long before the requested time: clocks differ, and an event is journaled after it happened. */
const SEEK_MARGIN_MS = 5 * 60_000;

/** The ISO 8601 duration back to `from` (plus the margin), e.g. -P2DT0H5M0S. */
export function seekDuration(from: number, now: number): string {
  let s = Math.max(0, Math.ceil((now - from + SEEK_MARGIN_MS) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `-P${d ? `${d}D` : ''}T${h}H${m}M${s}S`;
}

export async function runCatchUp(params: Record<string, unknown>): Promise<CatchUpResult> {
  const c = relayContext(params, 'catch-up');
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    return { error: contextError(c) };
  }
  const { ctx } = c;
  const url = String(params.journalUrl ?? params.ADOBE_JOURNAL_URL ?? '');
  if (!/^https?:\/\//.test(url)) return fail('journal_url_missing', 'give the registration journal URL (journalUrl, or ADOBE_JOURNAL_URL): the registration\'s _links["rel:events"].href');
  const stream = params.stream ?? 'user-audit';
  if (!isStream(stream)) return fail('stream_invalid', `stream must be one of ${STREAMS.join(', ')}`);
  const latest = String(params.since ?? '').trim().toLowerCase() === 'latest';
  const fromTime = latest ? undefined : parseSinceParam(params.since, ctx.now());
  if (fromTime === null) return fail('since_invalid', 'since must be an ISO time, a duration like 30m, 6h, 2d, or latest');
  const ims = imsCredential(params);
  if (!ims) return fail('credentials_missing', 'the workspace\'s OAuth server-to-server credential is missing: the action is deployed with include-ims-credentials: true, which needs IMS_OAUTH_S2S_CLIENT_ID, _CLIENT_SECRET, _ORG_ID and _SCOPES in .env (aio app use writes them)');
  // x-ims-org-id: an `orgId` param given at invoke time, else the credential's own org
  const orgParam = typeof params.orgId === 'string' && params.orgId.trim() !== '' ? params.orgId.trim() : undefined;
  const orgId = orgParam ?? ims.orgId;
  const position = typeof params.position === 'string' && params.position ? params.position : undefined;
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
    orgId,
    since: position,
    seek: !position && fromTime ? seekDuration(Date.parse(fromTime), ctx.now()) : undefined,
    latest: !position && latest,
    fromTime,
    maxEvents: Number(params.maxEvents ?? 20_000),
    maxPages: Number(params.maxPages ?? 1000),
  });
  ctx.log.info('journal catch-up', { stream, ...report });
  return { ok: true, report };
}
