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
 * `request`'s body as a stream whose read failures (the client went away, or its body stream broke,
 * before the last byte) become one ApiError `body_incomplete` (400) and one warning-level
 * `client_disconnected` log line with the byte count read so far, instead of an error-level
 * `unhandled_error` and a 500. Nothing of a partial body is ever stored: the caller sees the error
 * before it has the whole body. Null when the request has no body.
 */
export function requestBody(request: Request): ReadableStream<Uint8Array> | null {
  if (!request.body) return null;
  const reader = request.body.getReader();
  let read = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        disconnects++;
        metrics.count("tributary_client_disconnects_total", {});
        log.warn("client_disconnected", {
          path: new URL(request.url).pathname,
          bytesRead: read,
          error: error instanceof Error ? error.message : String(error),
          disconnects,
        });
        controller.error(
          new ApiError("body_incomplete", `The body ended after ${read} bytes, before it was complete`),
        );
        return;
      }
      if (next.done) controller.close();
      else {
        read += next.value.byteLength;
        controller.enqueue(next.value);
      }
    },
    cancel: (reason) => reader.cancel(reason).catch(() => undefined),
  });
}
