/**
 * `fetch` with a bound on the size of what it reads: an answer whose
 * Content-Length is over `maxBytes` is refused before its body is read, and a
 * body that grows past it (a host sending without end) ends in a `TooLarge`
 * error and its connection is closed. For the calls made with Node's fetch
 * (token introspection, the IdP's JWKS), whose time is already bounded as a
 * whole by `AbortSignal.timeout` — that signal aborts the body's reading too —
 * but whose size was not: within a 3 s deadline a host on a fast link can send
 * hundreds of megabytes into a container serving 40 requests.
 */
const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });
/** statuses whose Response may not carry a body */
const NO_BODY = new Set([101, 204, 205, 304]);

export function boundedFetch(fetchImpl: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const res = await fetchImpl(input, init);
    if (!res.body || NO_BODY.has(res.status)) return res;
    const tooLarge = (): Error => named('TooLarge', `answer larger than ${maxBytes} bytes`);
    if (Number(res.headers.get('content-length')) > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw tooLarge();
    }
    let seen = 0;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          // erroring the stream cancels the source: fetch closes the connection
          if (seen > maxBytes) controller.error(tooLarge());
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
