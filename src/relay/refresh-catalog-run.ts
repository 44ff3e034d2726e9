/**
 * The refresh-catalog action's composition: every configured Marketo instance's
 * activity catalog fetched and stored, on an alarm trigger (app.config.yaml) so
 * receivers find it warm; by hand:
 * `aio rt action invoke marketo-stream-relay/refresh-catalog -r`.
 * Without MARKETO_* credentials it does nothing and says so.
 */
import { contextError, relayContext, reportConfigErrorsOnce } from './context';
import type { RefreshReport } from './catalog';

export type RefreshResult = { ok: true; instances: RefreshReport[]; note?: string } | { error: { code: string; message: string } };

export async function runRefreshCatalog(params: Record<string, unknown>): Promise<RefreshResult> {
  const c = relayContext(params, 'refresh-catalog', { invokes: false });
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    return { error: contextError(c) };
  }
  const { ctx } = c;
  if (!ctx.config.marketo.instances.length) {
    const note = 'no Marketo instance has REST credentials (MARKETO_INSTANCES or MARKETO_REST_ENDPOINT, _IDENTITY_ENDPOINT, _CLIENT_ID, _CLIENT_SECRET): the built-in activity types apply';
    ctx.log.info('activity catalog refresh skipped', { note });
    return { ok: true, instances: [], note };
  }
  let instances: RefreshReport[];
  try {
    instances = await (await import('./catalog')).refreshCatalogs(ctx);
  } catch (err) {
    ctx.log.error('activity catalog refresh: the store could not be opened', { err: (err as Error).name });
    return { error: { code: 'store_unavailable', message: `the store could not be opened (${(err as Error).name}); no catalog was refreshed` } };
  }
  ctx.log.info('activity catalog refresh', { instances });
  return { ok: true, instances };
}
