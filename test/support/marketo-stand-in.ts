/**
 * Jest hooks for a suite that runs the receivers against the local Marketo REST
 * stand-in (dev/traffic/marketo-rest.ts): the stand-in and the harness started
 * before all tests, both stopped after, with the catalogs and tokens the
 * container held forgotten. `stand.rest` is the stand-in once started.
 */
import { startMarketoRestStandIn, type MarketoRestStandIn } from '../../dev/traffic/marketo-rest';
import { resetCatalogs } from '../../src/relay/catalog';
import type { RelayHarness } from './relay-harness';

export function withMarketoStandIn(h: RelayHarness, munchkinIds: string[], inputs: Record<string, string> = {}): { rest: MarketoRestStandIn } {
  const stand = {} as { rest: MarketoRestStandIn };
  beforeAll(async () => {
    stand.rest = await startMarketoRestStandIn(munchkinIds.map((munchkinId) => ({ munchkinId })));
    await h.start(inputs);
  });
  afterAll(async () => {
    resetCatalogs();
    await h.stop();
    await stand.rest.close();
  });
  return stand;
}
