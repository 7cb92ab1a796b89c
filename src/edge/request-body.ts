import { concatChunks } from "../lib/bytes";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { metrics } from "../observability/metrics/recorder";

let disconnects = 0;

/**
 * Client disconnects seen mid-body by this isolate since it started (per isolate; the deployment-wide
 * figure is `tributary_client_disconnects_total` on GET /metrics). A disconnect is the client's doing, so it is a warning, not an error.
 */
export function clientDisconnectCount(): number {
  return disconnects;
}

/**
 * How many bytes past the point where the reader stopped (a body over its limit) are still read and
 * discarded before the request stream is cancelled. Cancelling a request body the client is still
 * sending takes the local runtime of `wrangler dev` down (its next requests answer 500/503, then it
 * exits: https://github.com/cloudflare/workers-sdk/issues/15709), and a client still writing when the
 * connection closes may see a reset instead of the 413. Draining costs only the transfer; the bound
 * keeps an endless chunked body from holding the request open. Above the largest `maxBodyBytes`.
 */
export const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * `request`'s body as a stream whose read failures (the client went away, or its body stream broke,
 * before the last byte) become one ApiError `body_incomplete` (400) and one warning-level
 * `client_disconnected` log line with the byte count read so far, instead of an error-level
 * `unhandled_error` and a 500. Nothing of a partial body is ever stored: the caller sees the error
 * before it has the whole body. Null when the request has no body.
 *
 * Cancelling the returned stream (the reader stopped early, e.g. at a size limit) reads the rest of
 * the request body and discards it, up to {@link DRAIN_LIMIT_BYTES}, and only then cancels it; the
 * cancel resolves once that is done. Stopping early is the reader's choice, never a client disconnect.
 */
export function requestBody(request: Request): ReadableStream<Uint8Array> | null {
  if (!request.body) return null;
  const reader = request.body.getReader();
  let read = 0;
  let stopped = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          if (stopped) return;
          controller.error(bodyIncomplete(request, read, error));
          return;
        }
        if (next.done) controller.close();
        else {
          read += next.value.byteLength;
          controller.enqueue(next.value);
        }
      },
      cancel: async () => {
        stopped = true;
        await drain(reader, DRAIN_LIMIT_BYTES);
      },
    },
    // No read ahead: a chunk is read from the request only when the caller asks for one, so nothing
    // is in flight when the caller stops.
    { highWaterMark: 0 },
  );
}

/**
 * `request`'s whole body as bytes, or null when it is over `maxBytes`. A body with a plain decimal
 * Content-Length within the limit is read in one call: the runtime's HTTP framing bounds an incoming
 * request's body by that length (a Request built in JavaScript, which no framing bounds, is still
 * refused past the limit, after it was read). Any other body is read chunk by chunk, counting, and
 * when it passes the limit the rest is read and discarded up to {@link DRAIN_LIMIT_BYTES}, as when a
 * {@link requestBody} stream is cancelled; read straight from the runtime's reader, with no
 * JavaScript stream in between, which on the edge's accepted path cost more than the HMAC.
 * @throws ApiError `body_incomplete` when the client goes away mid-body (logged and counted as above;
 *   a body read in one call logs the length it declared, not a count)
 */
export async function readRequestBody(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  // A declared length within the limit bounds the body by HTTP framing (the runtime never hands an
  // incoming request more bytes than its Content-Length says), so the runtime can read it in one
  // native call, cheaper than the chunk loop on the accepted path. Only chunked, over-declared or
  // malformed lengths take the loop.
  const declared = request.headers.get("content-length");
  if (declared !== null && DECIMAL.test(declared) && Number(declared) <= maxBytes) {
    let body: Uint8Array;
    try {
      body = new Uint8Array(await request.arrayBuffer());
    } catch (error) {
      throw bodyIncomplete(request, null, error, Number(declared));
    }
    // A Request built in JavaScript (a service binding, a test) may carry a header that understates
    // its body: the limit still holds.
    return body.byteLength <= maxBytes ? body : null;
  }
  // Only here is the body's stream object made: the one-call read above never needs it.
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let read = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      throw bodyIncomplete(request, read, error);
    }
    if (next.done) return concatChunks(chunks, read);
    read += next.value.byteLength;
    if (read > maxBytes) {
      await drain(reader, DRAIN_LIMIT_BYTES);
      return null;
    }
    chunks.push(next.value);
  }
}

/** A Content-Length the one-call read trusts: plain decimal digits. */
const DECIMAL = /^\d{1,15}$/;

/**
 * Counts and logs a client gone mid-body after `read` bytes (null when the body was read in one call,
 * which tells no count; then `declared` is the length it announced); returns the 400 to answer with.
 */
function bodyIncomplete(request: Request, read: number | null, error: unknown, declared?: number): ApiError {
  disconnects++;
  metrics.count("tributary_client_disconnects_total", {});
  log.warn("client_disconnected", {
    path: new URL(request.url).pathname,
    bytesRead: read,
    ...(declared === undefined ? {} : { bytesDeclared: declared }),
    error: error instanceof Error ? error.message : String(error),
    disconnects,
  });
  return new ApiError(
    "body_incomplete",
    read === null
      ? `The body ended before the ${declared} bytes it declared`
      : `The body ended after ${read} bytes, before it was complete`,
  );
}

/**
 * Reads and discards what is left of a request body, up to `limitBytes`; past that (or when reading
 * fails) the body is cancelled. Never throws: the caller's answer is already decided.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, limitBytes: number): Promise<void> {
  let drained = 0;
  try {
    while (drained <= limitBytes) {
      const next = await reader.read();
      if (next.done) return;
      drained += next.value.byteLength;
    }
  } catch {
    // The client went away meanwhile: there is nothing left to drain.
    return;
  }
  await reader.cancel().catch(() => undefined);
}
