/**
 * Faults the local runtime's invoke API can be told to answer for chosen
 * targets, so tests and soaks drive the platform's failure paths end to end:
 * `429` (throttled), `503` (unavailable) or `hang` (never answers; the caller's
 * timeout decides). Nothing is recorded or run for a faulted invocation.
 *
 * Spec (LOCAL_INVOKE_FAULTS, or PUT /_local/faults): comma-separated
 * `target=fault`, target an action as invoked (`pkg/action`, or `action` in the
 * default package) or `*` for every target; an empty spec clears them all.
 *   LOCAL_INVOKE_FAULTS="marketo-stream-relay/log-events=503,audit-sink=hang"
 */
export type InvokeFault = '429' | '503' | 'hang';
const FAULTS = new Set<InvokeFault>(['429', '503', 'hang']);

export type ParsedFaults = { ok: true; faults: Map<string, InvokeFault> } | { ok: false; error: string };

export function parseFaults(spec: string): ParsedFaults {
  const faults = new Map<string, InvokeFault>();
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const target = eq > 0 ? part.slice(0, eq).trim().replace(/^\/[^/]+\//, '') : '';
    const fault = eq > 0 ? part.slice(eq + 1).trim().toLowerCase() : '';
    if (!target || !FAULTS.has(fault as InvokeFault)) return { ok: false, error: `"${part}": expected target=429|503|hang (target pkg/action or *)` };
    faults.set(target, fault as InvokeFault);
  }
  return { ok: true, faults };
}

export interface FaultTable {
  /** the fault for an invocation of `action` (as invoked, without namespace), if any */
  faultFor(action: string): InvokeFault | undefined;
  /** replaces every fault; an error for a bad spec (nothing changes then) */
  set(spec: string): string | undefined;
  current(): Record<string, InvokeFault>;
}

export function faultTable(initial = ''): FaultTable {
  const first = parseFaults(initial);
  if (!first.ok) throw new Error(`LOCAL_INVOKE_FAULTS: ${first.error}`);
  let faults = first.faults;
  return {
    faultFor: (action) => faults.get(action.replace(/^\/[^/]+\//, '')) ?? faults.get('*'),
    set(spec) {
      const p = parseFaults(spec);
      if (!p.ok) return p.error;
      faults = p.faults;
      return undefined;
    },
    current: () => Object.fromEntries(faults),
  };
}
