/**
 * The console's one way to its backend (actions/console): the user's IMS token
 * and org on every call, GET params in the query, POST params as JSON. An
 * answer that is not 2xx becomes an ApiError with the action's `error` code and
 * message. The action lives on the same origin as these files: App Builder
 * serves web actions of an app with a UI behind its CDN host
 * (https://<namespace>.adobeio-static.net/api/v1/web/…), and `npm start` serves
 * both from the local runtime.
 */
import type { RecordPage, RecordView } from '../../src/console/records';
import type { RouteInfo, RouteTestResult } from '../../src/console/route-test';
import type { StreamSeries } from '../../src/console/series';
import type { DiscardReport, ReplayReport } from '../../src/delivery/replay';
import type { Stream } from '../../src/envelope/envelope';
import type { StatusReport } from '../../src/status/report';
export const CONSOLE_PATH = '/api/v1/web/marketo-stream-relay/console';

export interface Session {
  token: string;
  org: string;
  user?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** parked records, dead letters, and stale dead letters (events delivered longer ago than idempotency remembers) */
export type Kind = 'parked' | 'dead' | 'stale';

// the answers' types are the backend's own (type-only imports: nothing of src/ is bundled)
export type StreamName = Stream;
export type { RecordPage, ReplayReport, RouteInfo, RouteTestResult, StreamSeries };
export type RecordSummary = RecordPage['records'][number];
export type Warning = StatusReport['warnings'][number];
export interface Overview {
  report: StatusReport;
  series: Partial<Record<Stream, StreamSeries>>;
}
/** a record whole, or (kept in overflow storage, larger than an answer) with where it is kept instead of its payload */
export type ConsoleRecord = RecordView;
/** what a replay or a discard answers */
export type ChangeReport = ReplayReport | DiscardReport;

/** what to replay; `includeStale`: the user confirmed replaying stale records (they may have been handed off before) */
export type Selection = ({ ids: string[] } | { route: string } | { all: true }) & { includeStale?: true };

export function consoleApi(session: Session, o: { base?: string; fetch?: typeof fetch } = {}) {
  const base = o.base ?? CONSOLE_PATH;
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const headers = { authorization: `Bearer ${session.token}`, 'x-gw-ims-org-id': session.org };

  async function call<T>(method: 'GET' | 'POST', params: Record<string, unknown>): Promise<T> {
    let url = base;
    let init: RequestInit = { method, headers };
    if (method === 'GET') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
      url = `${base}?${q.toString()}`;
    } else {
      init = { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(params) };
    }
    const res = await doFetch(url, init);
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: 'not_json', message: text.slice(0, 200) };
    }
    if (!res.ok) {
      const b = (body ?? {}) as { error?: unknown; message?: unknown };
      throw new ApiError(res.status, typeof b.error === 'string' ? b.error : `http_${res.status}`, typeof b.message === 'string' ? b.message : typeof b.error === 'string' ? b.error : `HTTP ${res.status}`);
    }
    return body as T;
  }

  return {
    overview: () => call<Overview>('GET', { op: 'overview' }),
    records: (kind: Kind, p: { offset?: number; limit?: number; route?: string } = {}) => call<RecordPage>('GET', { op: 'records', kind, ...p }),
    record: (kind: Kind, id: string) => call<{ record: ConsoleRecord }>('GET', { op: 'record', kind, id }),
    replay: (kind: Kind, sel: Selection) => call<{ report: ChangeReport }>('POST', { op: 'replay', kind, ...sel }),
    discard: (kind: Kind, ids: string[]) => call<{ report: ChangeReport }>('POST', { op: 'discard', kind, ids }),
    routes: () => call<RouteInfo>('GET', { op: 'routes' }),
    testRoute: (stream: StreamName, event: unknown) => call<RouteTestResult>('POST', { op: 'test-route', stream, event }),
  };
}

export type ConsoleApi = ReturnType<typeof consoleApi>;
