/**
 * What jsdom lacks for React Spectrum: a media query answer (the theme's colour
 * scheme and scale), element sizes for the table's virtualizer, ResizeObserver.
 */
export function setUpDom(): void {
  Object.defineProperty(window, 'matchMedia', {
    configurable: true,
    value: (query: string) => ({ matches: false, media: query, onchange: null, addListener: () => undefined, removeListener: () => undefined, addEventListener: () => undefined, removeEventListener: () => undefined, dispatchEvent: () => false }),
  });
  for (const [prop, value] of [['clientWidth', 1000], ['clientHeight', 800], ['offsetWidth', 1000], ['offsetHeight', 800], ['scrollHeight', 800]] as const) {
    Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => value });
  }
  (globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= class {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  };
}

export interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

/** A fetch that answers the console action's ops from `answers` and records every call. */
export function fakeFetch(answers: Record<string, (call: Call) => { status?: number; body: unknown }>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://console.test');
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    const call: Call = { method: init?.method ?? 'GET', url, headers: (init?.headers ?? {}) as Record<string, string>, body };
    calls.push(call);
    const op = String(body?.op ?? url.searchParams.get('op'));
    const answer = answers[op];
    const a = answer ? answer(call) : { status: 400, body: { error: 'op_invalid', message: `no fake for ${op}` } };
    const status = a.status ?? 200;
    return { ok: status >= 200 && status < 300, status, text: async () => JSON.stringify(a.body) } as Response;
  };
  return { fetch: f as typeof fetch, calls };
}
