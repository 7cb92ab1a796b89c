import { describe, expect, it } from "vitest";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import { correctedTimestamp, mapSegment } from "../../src/events/mapping/segment";
import { PermanentError } from "../../src/pipeline/load-payload";

const RECEIVED_AT = Date.parse("2026-03-01T12:00:00.000Z");

function envelope(): DeliveryEnvelope {
  return {
    kind: "webhook",
    v: 1,
    deliveryId: "dlv_test",
    sourceId: "src_test",
    sourceType: "app",
    workspace: "default",
    receivedAt: RECEIVED_AT,
    idempotencyKey: "m-1",
    headers: { "content-type": "application/json" },
  };
}

function map(payload: unknown) {
  return mapSegment({ payload, envelope: envelope(), config: {} });
}

describe("clock-skew correction (Segment spec: timestamp = receivedAt − (sentAt − timestamp))", () => {
  it("a device clock one hour fast is corrected to the gateway's clock", () => {
    const hour = 3_600_000;
    // The event happened 5 minutes before it was sent; the device thinks it is an hour later.
    const timestamp = new Date(RECEIVED_AT + hour - 300_000).toISOString();
    const sentAt = new Date(RECEIVED_AT + hour).toISOString();
    expect(correctedTimestamp({ timestamp, sentAt }, RECEIVED_AT)).toBe(RECEIVED_AT - 300_000);
  });

  it("uses originalTimestamp (RudderStack) when timestamp is absent", () => {
    const corrected = correctedTimestamp(
      { originalTimestamp: "2026-03-01T10:00:00.000Z", sentAt: "2026-03-01T10:00:02.000Z" },
      RECEIVED_AT,
    );
    expect(corrected).toBe(RECEIVED_AT - 2000);
  });

  it("without sentAt the sender's timestamp stands; without any timestamp there is none", () => {
    expect(correctedTimestamp({ timestamp: "2020-01-01T00:00:00.000Z" }, RECEIVED_AT)).toBe(
      Date.parse("2020-01-01T00:00:00.000Z"),
    );
    expect(correctedTimestamp({ sentAt: "2020-01-01T00:00:00.000Z" }, RECEIVED_AT)).toBeUndefined();
  });

  it("the mapped event carries the corrected time", () => {
    const [event] = map({
      type: "track",
      event: "Clicked",
      userId: "u1",
      timestamp: "2030-01-01T00:00:00.000Z",
      sentAt: "2030-01-01T00:00:10.000Z",
    });
    expect(event!.occurredAt).toBe(RECEIVED_AT - 10_000);
  });
});

describe("identifiers of a Segment message", () => {
  it("identify: userId, anonymousId, traits.email/phone, context.device.id and context.externalIds", () => {
    const [event] = map({
      type: "identify",
      userId: 42,
      anonymousId: "anon-1",
      traits: { email: "Jane@Example.com", phone: "+1 415 555 2671", plan: "pro" },
      context: {
        device: { id: "dev-9" },
        externalIds: [{ id: "c-7", type: "CRM_ID", collection: "users", encoding: "none" }],
      },
    });
    expect(event!.type).toBe("identify");
    expect(event!.identifiers).toEqual([
      { type: "user_id", value: "42" },
      { type: "anonymous_id", value: "anon-1" },
      { type: "email", value: "Jane@Example.com" },
      { type: "phone", value: "+1 415 555 2671" },
      { type: "device_id", value: "dev-9" },
      { type: "crm_id", value: "c-7" },
    ]);
    expect(event!.traits).toEqual({ email: "Jane@Example.com", phone: "+1 415 555 2671", plan: "pro" });
  });

  it("track: context.traits.email identifies but does not set traits; the event name is the type", () => {
    const [event] = map({
      type: "track",
      event: "Order Completed",
      anonymousId: "anon-2",
      properties: { total: 10 },
      context: { traits: { email: "a@b.example" } },
    });
    expect(event!.type).toBe("Order Completed");
    expect(event!.identifiers).toEqual([
      { type: "anonymous_id", value: "anon-2" },
      { type: "email", value: "a@b.example" },
    ]);
    expect(event!.traits).toEqual({});
    expect(event!.properties).toEqual({ total: 10 });
  });

  it("group: the group's traits stay in properties and its email is no identifier", () => {
    const [event] = map({
      type: "group",
      userId: "u1",
      groupId: 7,
      traits: { email: "billing@acme.example" },
    });
    expect(event!.identifiers).toEqual([{ type: "user_id", value: "u1" }]);
    expect(event!.traits).toEqual({});
    expect(event!.properties).toEqual({ groupId: "7", traits: { email: "billing@acme.example" } });
  });

  it("page and screen keep name and category in properties", () => {
    const [page] = map({
      type: "page",
      userId: "u1",
      name: "Pricing",
      category: "Docs",
      properties: { path: "/p" },
    });
    expect(page!.properties).toEqual({ path: "/p", name: "Pricing", category: "Docs" });
    const [screen] = map({ type: "screen", userId: "u1", name: "Home" });
    expect(screen!.type).toBe("screen");
    expect(screen!.properties).toEqual({ name: "Home" });
  });

  it("alias from a server library: previousId is the anonymous id it links", () => {
    const [event] = map({ type: "alias", userId: "u1", previousId: "anon-3" });
    expect(event!.identifiers).toEqual([
      { type: "user_id", value: "u1" },
      { type: "anonymous_id", value: "anon-3" },
    ]);
  });

  it("alias from a client library: previousId equal to anonymousId is that anonymous id", () => {
    const [event] = map({ type: "alias", userId: "u1", previousId: "anon-4", anonymousId: "anon-4" });
    expect(event!.identifiers).toContainEqual({ type: "anonymous_id", value: "anon-4" });
    expect(event!.identifiers).not.toContainEqual({ type: "user_id", value: "anon-4" });
  });

  it("alias from a client library: a previousId other than anonymousId is the old userId", () => {
    const [event] = map({ type: "alias", userId: "new-id", previousId: "old-id", anonymousId: "anon-5" });
    expect(event!.identifiers).toEqual([
      { type: "user_id", value: "new-id" },
      { type: "anonymous_id", value: "anon-5" },
      { type: "user_id", value: "old-id" },
    ]);
  });

  it("a payload that is not a Segment message fails for good (dead letter, no retries)", () => {
    expect(() => map({ type: "launch", userId: "u1" })).toThrow(PermanentError);
    expect(() => map({ type: "track", userId: "u1" })).toThrow(PermanentError);
    expect(() => map("text")).toThrow(PermanentError);
  });
});
