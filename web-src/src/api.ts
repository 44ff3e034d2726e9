/**
 * The console's one way to its backend (actions/console): the user's IMS token
 * and org on every call, GET params in the query, POST params as JSON. An
 * answer that is not 2xx becomes an ApiError with the action's `error` code and
 * message. The action lives on the same origin as these files: App Builder
 * serves web actions of an app with a UI behind its CDN host
 * (https://<namespace>.adobeio-static.net/api/v1/web/…), and `npm start` serves
 * both from the local runtime.
 */
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

export type Kind = 'parked' | 'dead';
export type StreamName = 'user-audit' | 'notification' | 'lead-activity' | 'observability';

export interface Warning {
  level: 'critical' | 'warning';
  code: string;
  message: string;
}

export interface HourPoint {
  hour: string;
  accepted: number;
  forwarded: number;
  duplicates: number;
  parked: number;
  quarantined: number;
  refused: Record<string, number>;
}

export interface StreamSeries {
  hours: HourPoint[];
  munchkin: Record<string, { accepted: number[]; lastEventAt?: string }>;
  lastEventAt?: string;
}

export interface Registration {
  id: string;
  name?: string;
  enabled?: boolean;
  webhookStatus?: string;
  error?: string;
}

export interface Overview {
  report: {
    overall: 'ok' | 'warning' | 'critical';
    generatedAt: string;
    streams: Partial<Record<StreamName, { accepted: number; failureRateLastHour: number | null; lastEventAt?: string; rejected: Record<string, number> }>>;
    parkedBacklog: number | null;
    quarantined: number | null;
    registrations: Registration[] | { note: string };
    storeErrors: string[];
    warnings: Warning[];
  };
  series: Partial<Record<StreamName, StreamSeries>>;
}

export interface RecordSummary {
  id: string;
  storedAt: string;
  ageSeconds: number;
  stream?: string;
  route?: string;
  reason: string;
  attempts: number;
  events: number;
  ids: string[];
  replayable: boolean;
}

export interface RecordPage {
  records: RecordSummary[];
  offset: number;
  next?: number;
  errors: { recordId?: string; op: string; err: string }[];
}

export interface StoredRecord {
  id: string;
  storedAt: string;
  attempts: number;
  reason: string;
  route?: string;
  stream?: string;
  payload: { events?: unknown[]; element?: unknown; action?: string };
}

export interface RouteInfo {
  source: string;
  routes: { name: string; action: string; match: Record<string, (string | number)[]> }[];
  default?: string;
}

export interface RouteTestResult {
  transport: string;
  envelopes: { id: string; stream: string; type: string; [k: string]: unknown }[];
  unusable: { element: unknown; reason: string }[];
  routes: { route: string; action: string; ids: string[] }[];
  unrouted: string[];
}

export interface ReplayReport {
  records?: number;
  replayed?: number;
  duplicates?: number;
  failed?: number;
  deadLettered?: number;
  discarded?: number;
  errors?: { recordId?: string; op: string; err: string }[];
}

export type Selection = { ids: string[] } | { route: string } | { all: true };

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
    record: (kind: Kind, id: string) => call<{ record: StoredRecord }>('GET', { op: 'record', kind, id }),
    replay: (kind: Kind, sel: Selection) => call<{ report: ReplayReport }>('POST', { op: 'replay', kind, ...sel }),
    discard: (kind: Kind, ids: string[]) => call<{ report: ReplayReport }>('POST', { op: 'discard', kind, ids }),
    routes: () => call<RouteInfo>('GET', { op: 'routes' }),
    testRoute: (stream: StreamName, event: unknown) => call<RouteTestResult>('POST', { op: 'test-route', stream, event }),
  };
}

export type ConsoleApi = ReturnType<typeof consoleApi>;
