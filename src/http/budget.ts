/**
 * A per-container budget of outbound calls that an unauthenticated request can
 * cause (a key-host fetch for a key path never seen, an introspection call for
 * a token never seen): at most `perMinute`, refilled continuously. A forged
 * request beyond it costs nothing but its own refusal.
 */
export interface CallBudget {
  /** true when one more call may be made now (and counts it) */
  take(): boolean;
}

export function createCallBudget(perMinute: number, now: () => number = Date.now): CallBudget {
  let tokens = perMinute;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(perMinute, tokens + ((t - at) * perMinute) / 60_000);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
