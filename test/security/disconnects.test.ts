import { afterEach, describe, expect, it, vi } from "vitest";
import { readBody } from "../../src/edge/read-body";
import { clientDisconnectCount } from "../../src/edge/request-body";
import { ApiError, ERROR_CODES } from "../../src/lib/errors";

/**
 * A client that goes away mid-body (a phone losing signal, a killed curl) is the client's doing: a
 * warning-level `client_disconnected` line, a counter, and a 400 `body_incomplete`, never an
 * error-level `unhandled_error` and a 500. (Through SELF.fetch a broken test body reaches the worker
 * as a short body, so the request is built here, as the runtime hands it to the route.)
 */

/** A request whose body sends `head`, then breaks as a dropped connection does. */
function brokenRequest(head: string, headers: Record<string, string> = {}): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(head));
    },
    pull(controller) {
      controller.error(new TypeError("Can't read from request stream because client disconnected."));
    },
  });
  return new Request("https://gateway.test/v1/batch", { method: "POST", body, headers });
}

describe("client disconnects mid-body", () => {
  afterEach(() => vi.restoreAllMocks());

  it("reading the body answers 400 body_incomplete, logs a warning with a counter, no error-level line", async () => {
    const error = vi.spyOn(console, "error");
    const warn = vi.spyOn(console, "warn");
    const before = clientDisconnectCount();
    const refused = await readBody(
      brokenRequest('{"batch":[{"type":"identify","userId":"half'),
      1_000_000,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe("body_incomplete");
    expect((refused as ApiError).status).toBe(400);
    expect(ERROR_CODES.body_incomplete.status).toBe(400);
    expect(clientDisconnectCount()).toBe(before + 1);
    expect(error).not.toHaveBeenCalled();
    const warned = warn.mock.calls
      .map((args) => String(args[0]))
      .find((l) => l.includes("client_disconnected"));
    expect(JSON.parse(warned!)).toMatchObject({ level: "warn", path: "/v1/batch", bytesRead: 43 });
  });

  it("a body with a declared Content-Length that breaks off is the same 400 and warning", async () => {
    const warn = vi.spyOn(console, "warn");
    const before = clientDisconnectCount();
    const refused = await readBody(brokenRequest('{"batch":[', { "content-length": "100" }), 1_000_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as ApiError).code).toBe("body_incomplete");
    expect((refused as ApiError).detail).toBe("The body ended before the 100 bytes it declared");
    expect(clientDisconnectCount()).toBe(before + 1);
    const warned = warn.mock.calls
      .map((args) => String(args[0]))
      .find((l) => l.includes("client_disconnected"));
    expect(JSON.parse(warned!)).toMatchObject({ level: "warn", bytesRead: null, bytesDeclared: 100 });
  });
});
