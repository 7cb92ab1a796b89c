import { describe, expect, it } from "vitest";
import type { SourceConfig, SourceType } from "../../src/sources/config";
import { IdempotencyKeySchema, idempotencyKeyFor } from "../../src/sources/idempotency";
import { senderFor } from "../../src/sources/senders";

const bytes = (text: string) => new TextEncoder().encode(text);

async function keyOf(type: string, headers: Record<string, string>, body: unknown, settings: object = {}) {
  const text = JSON.stringify(body);
  const preset = senderFor(type as SourceType).idempotencyPreset(settings as SourceConfig);
  return idempotencyKeyFor(preset, new Headers(headers), body, bytes(text), settings);
}

describe("idempotency keys", () => {
  it.each([
    ["standard-webhooks", { "webhook-id": "msg_1" }, {}, "msg_1"],
    [
      "github",
      { "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" },
      {},
      "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    ],
    ["shopify", { "x-shopify-webhook-id": "w-1", "x-shopify-event-id": "e-1" }, {}, "e-1"],
    ["shopify", { "x-shopify-webhook-id": "w-1" }, {}, "w-1"],
    ["stripe", {}, { id: "evt_123", type: "customer.created" }, "evt_123"],
    ["slack", {}, { event_id: "Ev0B15TEST", type: "event_callback" }, "Ev0B15TEST"],
    ["twilio", { "i-twilio-idempotency-token": "tok-1" }, {}, "tok-1"],
  ])("preset for %s reads the sender's own id", async (type, headers, body, expected) => {
    expect(await keyOf(type, headers, body)).toBe(expected);
  });

  it("falls back to the SHA-256 of the raw body when the sender's id is missing", async () => {
    const key = await keyOf("standard-webhooks", {}, { a: 1 });
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await keyOf("generic-hmac", {}, { a: 1 })).toBe(key);
    expect(await keyOf("generic-hmac", {}, { a: 2 })).not.toBe(key);
  });

  it("a generic-HMAC source with an id header uses it", async () => {
    expect(
      await keyOf("generic-hmac", { "x-delivery": "d-9" }, {}, { genericHmac: { idHeader: "X-Delivery" } }),
    ).toBe("d-9");
  });

  it("a configured JSON path overrides the preset, so retries with new delivery ids still match", async () => {
    const settings = { idempotencyKey: { parts: [{ path: "$.event_id" }] } };
    const first = await keyOf(
      "standard-webhooks",
      { "webhook-id": "msg_a" },
      { event_id: "Ev1", n: 1 },
      settings,
    );
    const retry = await keyOf(
      "standard-webhooks",
      { "webhook-id": "msg_b" },
      { event_id: "Ev1", n: 2 },
      settings,
    );
    expect(first).toBe("Ev1");
    expect(retry).toBe(first);
  });

  it("a composite key needs all its parts and cannot be forged by moving a separator between parts", async () => {
    const settings = { idempotencyKey: { parts: [{ header: "x-shop" }, { path: "$.order.id" }] } };
    const a = await keyOf("generic-hmac", { "x-shop": "a|b" }, { order: { id: "c" } }, settings);
    const b = await keyOf("generic-hmac", { "x-shop": "a" }, { order: { id: "b|c" } }, settings);
    expect(a).toBe('["a|b","c"]');
    expect(b).not.toBe(a);
    expect(await keyOf("generic-hmac", { "x-shop": "a" }, { order: {} }, settings)).toMatch(/^sha256:/);
  });

  it("numbers are keys, empty strings and objects are not", async () => {
    const settings = { idempotencyKey: { parts: [{ path: "$.id" }] } };
    expect(await keyOf("generic-hmac", {}, { id: 42 }, settings)).toBe("42");
    expect(await keyOf("generic-hmac", {}, { id: " " }, settings)).toMatch(/^sha256:/);
    expect(await keyOf("generic-hmac", {}, { id: { nested: 1 } }, settings)).toMatch(/^sha256:/);
  });

  it("a huge sender id is stored as its hash", async () => {
    const key = await keyOf("standard-webhooks", { "webhook-id": "x".repeat(5000) }, {});
    expect(key).toMatch(/^key-sha256:[0-9a-f]{64}$/);
  });

  it("the config schema refuses literals, bad paths and empty part lists", () => {
    expect(IdempotencyKeySchema.safeParse({ parts: [{ path: "=constant" }] }).success).toBe(false);
    expect(IdempotencyKeySchema.safeParse({ parts: [{ path: "event_id" }] }).success).toBe(false);
    expect(IdempotencyKeySchema.safeParse({ parts: [] }).success).toBe(false);
    expect(IdempotencyKeySchema.safeParse({ parts: [{ header: "bad header" }] }).success).toBe(false);
    expect(
      IdempotencyKeySchema.safeParse({ parts: [{ header: "webhook-id" }, { path: "$.a[0].b" }] }).success,
    ).toBe(true);
  });
});
