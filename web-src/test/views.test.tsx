/**
 * @jest-environment jsdom
 *
 * Each view of the console with the real API client, faked at the fetch
 * boundary only: what it shows from the action's answers, and what it asks the
 * action to do (op, params, the IMS headers) when the user acts.
 */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import React from 'react';
import { Provider } from '@adobe/react-spectrum/Provider';
import { defaultTheme } from '@adobe/react-spectrum/defaultTheme';
import { ApiError, consoleApi, type ReplayReport } from '../src/api';
import { RecordsView } from '../src/views/Records';
import { RoutesView } from '../src/views/Routes';
import { StreamsView } from '../src/views/Streams';
import { fakeFetch, setUpDom } from './setup';
import { overview, parked, routeInfo, routeResult } from './fixtures';

const session = { token: 'user-token', org: 'ORG1@AdobeOrg' };
const inTheme = (ui: React.ReactElement) => render(<Provider theme={defaultTheme} locale="en-US">{ui}</Provider>);

beforeAll(setUpDom);

describe('the API client', () => {
  it('sends the IMS token and org on every call, and maps an error answer to its code and message', async () => {
    const f = fakeFetch({ overview: () => ({ status: 403, body: { error: 'org_mismatch', message: "the caller's IMS org is not the org this app is deployed in" } }), routes: () => ({ body: routeInfo() }) });
    const api = consoleApi(session, { fetch: f.fetch });
    await expect(api.overview()).rejects.toEqual(expect.objectContaining({ status: 403, code: 'org_mismatch' }));
    await expect(api.overview()).rejects.toBeInstanceOf(ApiError);
    await api.routes();
    await api.replay('parked', { ids: ['a'] }).catch(() => undefined);
    for (const c of f.calls) expect(c.headers).toMatchObject({ authorization: 'Bearer user-token', 'x-gw-ims-org-id': 'ORG1@AdobeOrg' });
    expect(f.calls[2].url.pathname).toBe('/api/v1/web/marketo-stream-relay/console');
    expect(f.calls[3]).toMatchObject({ method: 'POST', body: { op: 'replay', kind: 'parked', ids: ['a'] } });
  });
});

describe('Streams', () => {
  it('puts the warnings first, then per stream the 24-hour totals, refusals by reason and munchkinIds', async () => {
    const f = fakeFetch({ overview: () => ({ body: overview() }) });
    inTheme(<StreamsView api={consoleApi(session, { fetch: f.fetch })} />);
    const region = await screen.findByRole('region', { name: 'User Audit stream' });
    const warnings = screen.getAllByTestId('warning');
    expect(warnings[0].textContent).toMatch(/Critical: registration at risk.*≥ 80 %/);
    expect(warnings[1].textContent).toMatch(/parked backlog/);
    // warnings come before the stream panels in the page
    expect(warnings[0].compareDocumentPosition(region) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByTestId('user-audit-accepted-total').textContent).toBe('30');
    expect(screen.getByTestId('user-audit-forwarded-total').textContent).toBe('27');
    expect(screen.getByTestId('user-audit-refused-total').textContent).toBe('20');
    expect(screen.getAllByTestId('user-audit-reason').map((li) => li.textContent)).toEqual(['503 store_unavailable: 18', '401 signature_invalid: 2']);
    expect(within(region).getByRole('img', { name: /^Accepted: 30 in the last 24 hours, most at 12:00 UTC \(20\)$/ })).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'User Audit per munchkinId' })).getByText('111-AAA-222')).toBeTruthy();
    expect(screen.getByText(/marketo-user-audit: DISABLED, webhook hook_unreachable/)).toBeTruthy();
    expect(screen.getByTestId('user-audit-last-event').textContent).toBe('60 s ago');
    expect(screen.getAllByTestId('destination').map((li) => li.textContent)).toEqual(['crm: delivered 120, parked 3, failed 0; last error HTTP 503 at 2026-12-04T12:25:00.000Z']);
  });
  it('says what failed when the status cannot be read', async () => {
    const f = fakeFetch({ overview: () => ({ status: 503, body: { error: 'store_unavailable', message: 'the store could not be opened (TimeoutError); try again' } }) });
    inTheme(<StreamsView api={consoleApi(session, { fetch: f.fetch })} />);
    expect(await screen.findByText(/the store could not be opened/)).toBeTruthy();
  });
});

describe('Parked and dead letters', () => {
  let ids: string[] = [];
  const REPLAYED: ReplayReport = { records: 2, replayed: 4, duplicates: 0, removed: 2, failed: 0, deadLettered: 0, errors: [], skippedRoutes: [], stoppedBy: 'drained' };
  const answers = async (replayed: ReplayReport = REPLAYED) => {
    const p = await parked();
    ids = p.ids;
    const f = fakeFetch({
      records: () => ({ body: p.page }),
      replay: () => ({ body: { report: replayed } }),
      discard: () => ({ body: { report: { discarded: 1, errors: [] } } }),
    });
    // one record as the action answers it: what the store holds
    const shown = await p.store.get(p.ids[0]);
    const fetchWithRecord: typeof fetch = async (input, init) => (String(input).includes('op=record&') ? ({ ok: true, status: 200, text: async () => JSON.stringify({ record: shown }) } as Response) : f.fetch(input, init));
    inTheme(<RecordsView api={consoleApi(session, { fetch: fetchWithRecord })} />);
    return { ...f, shown };
  };
  const rowOf = async (reason: string) => (await screen.findByText(reason)).closest('[role="row"]') as HTMLElement;

  it('lists records and replays exactly the selected ones', async () => {
    const f = await answers();
    const grid = await screen.findByRole('grid', { name: 'Parked records' });
    await within(grid).findByText('HTTP 503');
    expect(within(grid).getAllByRole('row')).toHaveLength(4);
    fireEvent.click(within(await rowOf('HTTP 503')).getByRole('checkbox'));
    fireEvent.click(within(await rowOf('HTTP 429')).getByRole('checkbox'));
    fireEvent.click(screen.getByRole('button', { name: 'Replay selected (2)' }));
    await screen.findByText(/2 record\(s\): 4 event\(s\) handed off/);
    const replay = f.calls.find((c) => c.body?.op === 'replay');
    expect(replay?.body).toEqual({ op: 'replay', kind: 'parked', ids: ids.slice(0, 2) });
  });
  it('shows each record’s target action and last error', async () => {
    await answers();
    const row = await rowOf('network: TimeoutError');
    expect(within(row).getByText('ops/alerts')).toBeTruthy();
    expect(within(await rowOf('HTTP 503')).getByText('ops/security')).toBeTruthy();
  });
  it('shows a replay that handed nothing off and left 6 failing as a failure, never as done', async () => {
    await answers({ ...REPLAYED, records: 3, replayed: 0, removed: 0, failed: 6 });
    fireEvent.click(within(await rowOf('HTTP 503')).getByRole('checkbox'));
    fireEvent.click(screen.getByRole('button', { name: 'Replay selected (1)' }));
    const alert = await screen.findByTestId('records-message');
    expect(alert.textContent).toMatch(/^Not done/);
    expect(alert.textContent).toMatch(/0 event\(s\) handed off, 0 already handed off, 6 still failing/);
  });
  it('shows a replay that left some failing as partly done', async () => {
    await answers({ ...REPLAYED, replayed: 2, failed: 1 });
    fireEvent.click(within(await rowOf('HTTP 503')).getByRole('checkbox'));
    fireEvent.click(screen.getByRole('button', { name: 'Replay selected (1)' }));
    expect((await screen.findByTestId('records-message')).textContent).toMatch(/^Partly done/);
  });
  it('replays stale records only after the user confirmed they may be handed off again, and says so to the action', async () => {
    const f = await answers();
    // the Picker's own form control (its popover's list is virtualized, and jsdom lays nothing out)
    const select = (await screen.findByRole('button', { name: /Records/ })).parentElement?.querySelector('select') as HTMLSelectElement;
    fireEvent.change(select, { target: { value: 'stale' } });
    await waitFor(() => expect(f.calls.some((c) => c.url.searchParams.get('kind') === 'stale')).toBe(true));
    fireEvent.click(within(await rowOf('HTTP 503')).getByRole('checkbox'));
    fireEvent.click(screen.getByRole('button', { name: 'Replay selected (1)' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toMatch(/may have been handed off already/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(f.calls.some((c) => c.body?.op === 'replay')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Replay selected (1)' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Replay anyway' }));
    await screen.findByText(/handed off/);
    expect(f.calls.find((c) => c.body?.op === 'replay')?.body).toEqual({ op: 'replay', kind: 'stale', ids: [ids[0]], includeStale: true });
  });
  it('discards only after the user confirms', async () => {
    const f = await answers();
    fireEvent.click(within(await rowOf('network: TimeoutError')).getByRole('checkbox'));
    fireEvent.click(screen.getByRole('button', { name: 'Discard selected (1)' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toMatch(/cannot be undone/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(f.calls.some((c) => c.body?.op === 'discard')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Discard selected (1)' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard' }));
    await screen.findByText('1 record(s) discarded');
    expect(f.calls.filter((c) => c.body?.op === 'discard').map((c) => c.body)).toEqual([{ op: 'discard', kind: 'parked', ids: [ids[2]] }]);
  });
  it('replays a whole route only once one is named, and shows one record’s events', async () => {
    const f = await answers();
    await screen.findByText('HTTP 503');
    expect((screen.getByRole('button', { name: /Replay all for route/ }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByRole('textbox', { name: 'Route' }), { target: { value: 'security' } });
    await waitFor(() => expect(f.calls.some((c) => c.url.searchParams.get('route') === 'security')).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: 'Replay all for route security' }));
    await screen.findByText(/handed off/);
    expect(f.calls.find((c) => c.body?.op === 'replay')?.body).toEqual({ op: 'replay', kind: 'parked', route: 'security' });
    fireEvent.click(screen.getByRole('button', { name: `Show record ${ids[0]}` }));
    const json = await screen.findByTestId('record-json');
    expect(JSON.parse(json.textContent ?? '')).toEqual((f.shown?.payload as { events: unknown[] }).events);
    expect((f.shown?.payload as { events: unknown[] }).events).toHaveLength(3);
  });
});

describe('Routes', () => {
  it('shows the routes in effect and tests a sample with the action, posting stream and event', async () => {
    const f = fakeFetch({ routes: () => ({ body: routeInfo() }), 'test-route': (c) => ({ body: routeResult('user-audit', c.body?.event) }) });
    inTheme(<RoutesView api={consoleApi(session, { fetch: f.fetch })} />);
    const rows = await screen.findAllByTestId('route-row');
    expect(rows.map((r) => r.textContent)).toEqual(['securityops/security{"stream":["user-audit"],"componentType":["Login","User"]}', 'alertsops/alerts{"stream":["notification"]}']);
    expect(screen.getByText(/events matching no route go to ops\/everything-else/)).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Test routes' })));
    const hit = await screen.findByTestId('route-hit');
    const call = f.calls.find((c) => c.body?.op === 'test-route');
    const expected = routeResult('user-audit', call?.body?.event).routes[0];
    expect(hit.textContent).toBe(`${expected.route} → ${expected.action} (1 event)`);
    expect(call?.body?.stream).toBe('user-audit');
    expect(call?.body?.event).toMatchObject({ event: { body: { type: expect.stringMatching(/^com\.adobe\.platform\.marketo\.audit\.user\./) } } });
  });
  it('refuses text that is not JSON without calling the action', async () => {
    const f = fakeFetch({ routes: () => ({ body: routeInfo() }) });
    inTheme(<RoutesView api={consoleApi(session, { fetch: f.fetch })} />);
    await screen.findAllByTestId('route-row');
    fireEvent.change(screen.getByRole('textbox', { name: /Event \(or delivery\) as JSON/ }), { target: { value: '{ not json' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test routes' }));
    expect(await screen.findByText(/the event is not JSON/)).toBeTruthy();
    expect(f.calls.filter((c) => c.body?.op === 'test-route')).toEqual([]);
  });
});
