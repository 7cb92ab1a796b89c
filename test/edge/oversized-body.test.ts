import { afterEach, describe, expect, it, vi } from "vitest";
import { readBody } from "../../src/edge/read-body";
import { clientDisconnectCount, DRAIN_LIMIT_BYTES } from "../../src/edge/request-body";
import { ApiError } from "../../src/lib/errors";
import { call, createSource } from "../support/gateway";

/**
 * A chunked body (no Content-Length) over the source's limit is found out only while reading it. The
 * 413 must not cancel the request stream (under `wrangler dev` that takes the local runtime down) and
 * is not the client going away: no `client_disconnected` line, no disconnect counted.
 */

const CHUNK = 16 * 1024;

/** A body of `total` bytes in 16 KiB chunks that records how much was pulled and whether it was cancelled. */
function countingBody(total: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = Math.min(CHUNK, total - seen.pulled);
      if (size <= 0) return controller.close();
      seen.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

const disconnectLines = (warn: { mock: { calls: unknown[][] } }) =>
  warn.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("client_disconnected"));

describe("a chunked body over the limit", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers 413 payload_too_large, is not logged or counted as a client disconnect, and the next delivery works", async () => {
    const source = await createSource({
      type: "bearer-token",
      secret: "tok_oversized_body_0123456789",
      maxBodyBytes: 64 * 1024,
    });
    const warn = vi.spyOn(console, "warn");
    const before = clientDisconnectCount();
    const headers = {
      authorization: "Bearer tok_oversized_body_0123456789",
      "content-type": "application/json",
    };
    const response = await call(`/v1/sources/${source.id}/webhooks`, {
      method: "POST",
      headers,
      body: countingBody(256 * 1024).stream,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe("payload_too_large");
    expect(clientDisconnectCount()).toBe(before);
    expect(disconnectLines(warn)).toEqual([]);
    const next = await call(`/v1/sources/${source.id}/webhooks`, {
      method: "POST",
      headers,
      body: JSON.stringify({ email: "after-oversized@example.com" }),
    });
    expect(next.status).toBe(202);
  });

  it("the rest of the body is read and discarded, not cancelled; past the drain limit it is cancelled", async () => {
    const cap = 64 * 1024;
    const post = (stream: ReadableStream<Uint8Array>) =>
      readBody(
        new Request("https://gateway.test/v1/sources/s/webhooks", { method: "POST", body: stream }),
        cap,
      );

    const over = countingBody(4 * cap);
    const refused = await post(over.stream).catch((e: unknown) => e);
    expect((refused as ApiError).code).toBe("payload_too_large");
    expect(over.seen).toEqual({ pulled: 4 * cap, cancelled: false });

    const endless = countingBody(Number.MAX_SAFE_INTEGER);
    const alsoRefused = await post(endless.stream).catch((e: unknown) => e);
    expect(alsoRefused).toBeInstanceOf(ApiError);
    expect((alsoRefused as ApiError).code).toBe("payload_too_large");
    expect(endless.seen.cancelled).toBe(true);
    expect(endless.seen.pulled).toBeLessThanOrEqual(cap + DRAIN_LIMIT_BYTES + 4 * CHUNK);
  });
});

describe("a body with a declared Content-Length", () => {
  it("is read whole when within the limit, and refused when the header understates a body over it", async () => {
    const text = `{"a":"${"x".repeat(100)}"}`;
    const within = await readBody(
      new Request("https://gateway.test/", {
        method: "POST",
        body: text,
        headers: { "content-length": String(text.length) },
      }),
      1_000,
    );
    expect(new TextDecoder().decode(within)).toBe(text);
    const understated = await readBody(
      new Request("https://gateway.test/", {
        method: "POST",
        body: "y".repeat(5_000),
        headers: { "content-length": "10" },
      }),
      1_000,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(understated).toBeInstanceOf(ApiError);
    expect((understated as ApiError).code).toBe("payload_too_large");
  });
});
