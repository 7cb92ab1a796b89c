/**
 * `shared`, a promise kept in isolate memory that another request may have started, as a promise of
 * the calling request. The runtime runs a promise's continuations in the request context that settles
 * it: awaited directly, another request's pending promise lets the caller go on inside that other
 * request, where the caller's own I/O fails ("Cannot perform I/O on behalf of a different request",
 * e.g. reading its own body). A promise made here belongs to the caller; settled from another
 * request's context, the runtime hands its continuations back to the caller's context
 * (`handle_cross_request_promise_resolution`, on by default).
 *
 * Only for work that finishes whatever happens to the request that started it (a key import, a
 * fetch a queue batch runs to its end): a promise bound to I/O that request's cancellation would drop
 * must not be shared at all.
 * @see https://developers.cloudflare.com/workers/observability/errors/#cannot-perform-io-on-behalf-of-a-different-request
 */
export function ownPromise<T>(shared: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    shared.then(resolve, reject);
  });
}
