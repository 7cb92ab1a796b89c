import { describe, expect, it } from "vitest";
import type { BatchResult } from "../../src/routes/app/responses";
import { call, eventually, profileFor } from "../support/gateway";
import { appWithKey, basicAuth, eventOf, eventsOf, post, unique } from "./support";

const KB = 1024;

function track(userId: string, extra: Record<string, unknown> = {}) {
  return { type: "track", event: "Clicked", userId, messageId: unique("m"), ...extra };
}

async function problem(response: Response): Promise<{ code: string; detail?: string; rejected?: unknown[] }> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as { code: string; detail?: string; rejected?: unknown[] };
}

describe("event API: authentication", () => {
  it("answers Segment's 200 {success:true} to each call type", async () => {
    const { writeKey } = await appWithKey();
    const userId = unique("u");
    const auth = { authorization: basicAuth(writeKey) };
    const calls: [string, Record<string, unknown>][] = [
      ["/v1/identify", { userId, traits: { plan: "pro" } }],
      ["/v1/track", { userId, event: "Clicked" }],
      ["/v1/page", { userId, name: "Home" }],
      ["/v1/screen", { userId, name: "Home" }],
      ["/v1/group", { userId, groupId: "g1" }],
      ["/v1/alias", { userId, previousId: unique("anon") }],
    ];
    for (const [path, body] of calls) {
      const response = await post(path, body, auth);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toEqual({ success: true });
    }
    const profile = await eventually(async () => {
      const p = await profileFor("user_id", userId);
      return (await eventsOf(p.id)).length === 6 ? p : undefined;
    });
    expect(profile.traits).toMatchObject({ plan: "pro" });
  });

  it("accepts the key as the body's writeKey, and never stores it", async () => {
    const { writeKey } = await appWithKey();
    const userId = unique("u");
    expect((await post("/v1/track", { ...track(userId), writeKey })).status).toBe(200);
    const event = await eventOf("user_id", userId, "Clicked");
    expect(JSON.stringify(event)).not.toContain(writeKey);
  });

  it("refuses a request without a key, with an unknown key, or with a malformed Basic header (401)", async () => {
    const body = track(unique("u"));
    const none = await post("/v1/track", body);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    expect((await problem(none)).code).toBe("unauthorized");
    const unknown = await post("/v1/track", body, { authorization: basicAuth(`wk_${"A".repeat(43)}`) });
    expect(unknown.status).toBe(401);
    const detail = (await problem(unknown)).detail ?? "";
    expect(detail).not.toContain("AAAA");
    expect((await post("/v1/batch", { batch: [body], writeKey: "wk_nope" })).status).toBe(401);
    expect((await post("/v1/track", body, { authorization: "Basic %%%" })).status).toBe(401);
  });

  it("a key from one workspace cannot write into another: events land in the key's own source", async () => {
    const first = await appWithKey("ws-app-a");
    const second = await appWithKey("ws-app-b");
    const userId = unique("u");
    expect(
      (await post("/v1/track", track(userId), { authorization: basicAuth(first.writeKey) })).status,
    ).toBe(200);
    const event = await eventOf("user_id", userId, "Clicked", "ws-app-a");
    expect(event.sourceId).toBe(first.source.id);
    const elsewhere = await post("/v1/track", track(userId, { writeKey: first.writeKey }), {
      authorization: basicAuth(`${second.writeKey}x`),
    });
    // The header wins over the body field: a wrong header key is refused even with a good body key.
    expect(elsewhere.status).toBe(401);
  });
});

describe("event API: limits and malformed input", () => {
  it("a single message over 32 KB is a 400 message_too_large", async () => {
    const { writeKey } = await appWithKey();
    const response = await post(
      "/v1/track",
      track(unique("u"), { properties: { blob: "x".repeat(33 * KB) } }),
      {
        authorization: basicAuth(writeKey),
      },
    );
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("message_too_large");
  });

  it("a batch over 500 KB is a 400 batch_too_large", async () => {
    const { writeKey } = await appWithKey();
    const batch = Array.from({ length: 20 }, () =>
      track(unique("u"), { properties: { blob: "y".repeat(30 * KB) } }),
    );
    const response = await post("/v1/batch", { batch }, { authorization: basicAuth(writeKey) });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("batch_too_large");
  });

  it("a gzip body that inflates past 500 KB is refused (400) without being buffered whole", async () => {
    const { writeKey } = await appWithKey();
    const json = JSON.stringify({ batch: [track("u", { properties: { pad: " ".repeat(2 * 1024 * KB) } })] });
    const gzipped = new Uint8Array(
      await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
    );
    expect(gzipped.byteLength).toBeLessThan(50 * KB);
    const response = await post("/v1/batch", gzipped, {
      authorization: basicAuth(writeKey),
      "content-encoding": "gzip",
    });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("batch_too_large");
  });

  it("rejects a corrupt gzip body, invalid JSON and a non-array batch with clear 400s", async () => {
    const { writeKey } = await appWithKey();
    const auth = { authorization: basicAuth(writeKey) };
    const corrupt = await post("/v1/batch", new Uint8Array([0x1f, 0x8b, 1, 2, 3]), {
      ...auth,
      "content-encoding": "gzip",
    });
    expect(corrupt.status).toBe(400);
    expect((await problem(corrupt)).code).toBe("body_not_decodable");
    const invalid = await post("/v1/track", "{not json", auth);
    expect(invalid.status).toBe(400);
    expect((await problem(invalid)).code).toBe("invalid_json");
    const notArray = await post("/v1/batch", { batch: "nope" }, auth);
    expect(notArray.status).toBe(400);
    expect((await problem(notArray)).code).toBe("validation_failed");
    const missingEvent = await post("/v1/track", { userId: "u" }, auth);
    expect(missingEvent.status).toBe(400);
    expect((await problem(missingEvent)).detail).toContain("event");
    const noUser = await post("/v1/identify", { traits: { a: 1 } }, auth);
    expect(noUser.status).toBe(400);
    expect((await problem(noUser)).detail).toContain("userId or anonymousId");
    const deflate = await post("/v1/track", track("u"), { ...auth, "content-encoding": "br" });
    expect(deflate.status).toBe(415);
  });

  it("deeply nested JSON is a 400, never a 5xx", async () => {
    const { writeKey } = await appWithKey();
    const auth = { authorization: basicAuth(writeKey) };
    const depth = 10_000;
    const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const single = await post(
      "/v1/track",
      `{"userId":"u","event":"E","properties":{"deep":${nested}}}`,
      auth,
    );
    expect(single.status).toBe(400);
    const batch = await post(
      "/v1/batch",
      `{"batch":[{"type":"track","userId":"u","event":"E","properties":{"deep":${nested}}}]}`,
      auth,
    );
    expect(batch.status).toBe(400);
  });

  it("malformed batch items are rejected one by one; the good ones are stored", async () => {
    const { writeKey } = await appWithKey();
    const good = [
      track(unique("good")),
      { type: "identify", userId: unique("good"), traits: { plan: "pro" } },
    ];
    const batch = [
      good[0],
      { type: "track", userId: "u", messageId: "no-event-name" },
      "not an object",
      { type: "launch", userId: "u", messageId: "unknown-type" },
      track(unique("big"), { messageId: "too-big", properties: { blob: "z".repeat(33 * KB) } }),
      { type: "track", event: "Clicked", messageId: "no-user" },
      good[1],
    ];
    const response = await post("/v1/batch", { batch }, { authorization: basicAuth(writeKey) });
    expect(response.status).toBe(200);
    const result = (await response.json()) as BatchResult;
    expect(result.success).toBe(true);
    expect(result.accepted).toBe(2);
    expect(result.rejected?.map((r) => [r.index, r.messageId, r.code])).toEqual([
      [1, "no-event-name", "validation_failed"],
      [2, undefined, "validation_failed"],
      [3, "unknown-type", "validation_failed"],
      [4, "too-big", "message_too_large"],
      [5, "no-user", "validation_failed"],
    ]);
    expect(result.rejected?.[0]?.detail).toContain("event");

    await eventOf("user_id", (good[0] as { userId: string }).userId, "Clicked");
    await eventOf("user_id", (good[1] as { userId: string }).userId, "identify");
  });

  it("a batch whose every item is bad is a 400 that lists them", async () => {
    const { writeKey } = await appWithKey();
    const response = await post(
      "/v1/batch",
      { batch: [{ type: "track", userId: "u" }, 7] },
      { authorization: basicAuth(writeKey) },
    );
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("validation_failed");
    expect(body.rejected).toHaveLength(2);
  });

  it("batch-level context and sentAt apply to every item", async () => {
    const { writeKey } = await appWithKey();
    const userId = unique("u");
    // The sender's clock is a day behind; only the batch carries sentAt (10 minutes after the event).
    const clock = Date.now() - 86_400_000;
    const before = Date.now();
    const response = await post(
      "/v1/batch",
      {
        batch: [track(userId, { timestamp: new Date(clock - 600_000).toISOString() })],
        sentAt: new Date(clock).toISOString(),
        context: { device: { id: unique("dev") } },
      },
      { authorization: basicAuth(writeKey) },
    );
    const after = Date.now();
    expect(response.status).toBe(200);
    const profile = await eventually(async () => {
      const p = await profileFor("user_id", userId);
      return p.identifiers.some((i) => i.type === "device_id") ? p : undefined;
    });
    expect(profile.identifiers.filter((i) => i.type === "device_id")).toHaveLength(1);
    const occurredAt = Date.parse((await eventOf("user_id", userId, "Clicked")).occurredAt);
    expect(occurredAt).toBeGreaterThanOrEqual(before - 600_000);
    expect(occurredAt).toBeLessThanOrEqual(after - 600_000);
  });
});

describe("event API: timestamps", () => {
  it("corrects a sender's clock skew from sentAt", async () => {
    const { writeKey } = await appWithKey();
    const userId = unique("u");
    // The device's clock is 3 hours fast; the event happened 10 minutes before sending.
    const skew = 3 * 3_600_000;
    const before = Date.now();
    const response = await post(
      "/v1/track",
      track(userId, {
        timestamp: new Date(before + skew - 600_000).toISOString(),
        sentAt: new Date(before + skew).toISOString(),
      }),
      { authorization: basicAuth(writeKey) },
    );
    const after = Date.now();
    expect(response.status).toBe(200);
    const event = await eventOf("user_id", userId, "Clicked");
    const occurredAt = Date.parse(event.occurredAt);
    expect(occurredAt).toBeGreaterThanOrEqual(before - 600_000);
    expect(occurredAt).toBeLessThanOrEqual(after - 600_000);
  });
});

describe("event API: CORS for browser SDKs", () => {
  it("answers a preflight from any origin, allowing the Authorization header", async () => {
    const preflight = await call("/v1/batch", {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("the answers (also errors) carry Access-Control-Allow-Origin; analytics.js paths and text/plain work", async () => {
    const { writeKey } = await appWithKey();
    const userId = unique("u");
    const ok = await post("/v1/t", JSON.stringify({ ...track(userId), writeKey }), {
      origin: "https://shop.example",
      "content-type": "text/plain",
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const refused = await post("/v1/t", track(userId), { origin: "https://shop.example" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    await eventOf("user_id", userId, "Clicked");
  });
});
