/**
 * `promise`, or a rejection after `ms` — a `TimeoutError` with `timeout` as its
 * message, or the error `timeout()` makes (called when the time is up) — the
 * timer cleared either way: for the calls whose client has no overall deadline
 * of its own (the openwhisk client, the stores; a socket timeout bounds only idle time).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, timeout: string | (() => Error) = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(typeof timeout === 'string' ? Object.assign(new Error(timeout), { name: 'TimeoutError' }) : timeout()), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
