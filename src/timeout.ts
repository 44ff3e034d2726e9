/**
 * `promise`, or a rejection with a `TimeoutError` after `ms`, the timer cleared
 * either way: for the calls whose client has no overall deadline of its own (the
 * openwhisk client; a socket timeout bounds only idle time).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(message), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
