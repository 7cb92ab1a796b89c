import { describe, expect, it } from "vitest";
import { DELIVERY_BODY_CAP } from "../../src/deliveries/delivery-log";
import type { DeliveryDetailView } from "../../src/routes/admin/get-delivery";
import type { DeliveryList } from "../../src/routes/admin/list-deliveries";
import type { SourceActivityList } from "../../src/routes/admin/list-source-activity";
import { mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { admin, deliver, eventually, profileFor } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

async function list(query: string): Promise<DeliveryList> {
  const response = await admin(`/v1/admin/deliveries?${query}`);
  expect(response.status, query).toBe(200);
  return (await response.json()) as DeliveryList;
}

async function detail(id: string): Promise<DeliveryDetailView> {
  const response = await admin(`/v1/admin/deliveries/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as DeliveryDetailView;
}

/** A source with one stored delivery (for `email`) and one rejected (forged signature). */
async function stored(email: string, extra: Record<string, unknown> = {}) {
  const source = await mappedSource(workspaceName("detail"));
  const body = JSON.stringify({ type: "signed_up", email, plan: "pro", timestamp: 1_700_000_000, ...extra });
  const id = `msg_${crypto.randomUUID()}`;
  expect((await deliver(source.id, body, standardWebhooksHeaders(WHSEC, body, id))).status).toBe(202);
  const forged = { ...standardWebhooksHeaders(WHSEC, body), "webhook-signature": "v1,AAAA" };
  expect((await deliver(source.id, body, forged)).status).toBe(401);
  const rows = await eventually(async () => {
    const page = await list(`sourceId=${source.id}`);
    return page.data.length === 2 && page.data.some((d) => d.status === "stored") ? page.data : undefined;
  });
  return {
    source,
    body,
    idempotencyKey: id,
    delivery: rows.find((d) => d.status === "stored")!,
    rejected: rows.find((d) => d.status === "rejected")!,
  };
}

describe("delivery detail", () => {
  it("shows an accepted delivery's forwarded headers, its body, its disposition and the events and profile it produced", async () => {
    const { body, delivery, source } = await stored("detail@example.com");
    const d = await detail(delivery.id);
    expect(d).toMatchObject({
      id: delivery.id,
      sourceId: source.id,
      workspace: source.workspace,
      disposition: "stored",
      body,
      bodyBytes: new TextEncoder().encode(body).length,
      bodyTruncated: false,
      deadLetterId: null,
    });
    expect(d.headers).toMatchObject({ "content-type": "application/json" });
    expect(d.headers?.["webhook-id"]).toBe(delivery.idempotencyKey);
    // Never the signature: a credential-like header is not forwarded, so it is not kept.
    expect(JSON.stringify(d.headers)).not.toContain("webhook-signature");
    const profile = await profileFor("email", "detail@example.com", source.workspace);
    expect(d.events).toHaveLength(1);
    expect(d.events[0]).toMatchObject({
      type: "signed_up",
      profileId: profile.id,
      liveProfileId: profile.id,
    });
  });

  it("keeps nothing of a rejected request's content: disposition and reason only", async () => {
    const { rejected } = await stored("rejected@example.com");
    const d = await detail(rejected.id);
    expect(d).toMatchObject({
      disposition: "rejected:signature_invalid",
      headers: null,
      body: null,
      bodyBytes: null,
      events: [],
    });
  });

  it(`caps a large body at ${DELIVERY_BODY_CAP} bytes and says so`, async () => {
    const { delivery, body } = await stored("large@example.com", { padding: "é".repeat(12_000) });
    const d = await detail(delivery.id);
    expect(d.bodyTruncated).toBe(true);
    expect(d.bodyBytes).toBe(new TextEncoder().encode(body).length);
    expect(new TextEncoder().encode(d.body!).length).toBeLessThanOrEqual(DELIVERY_BODY_CAP);
    expect(body.startsWith(d.body!)).toBe(true);
  });

  it("erasing the profile clears the body and headers the log kept of its deliveries", async () => {
    const { delivery, source } = await stored("erase-detail@example.com");
    const profile = await profileFor("email", "erase-detail@example.com", source.workspace);
    expect((await admin(`/v1/admin/profiles/${profile.id}`, { method: "DELETE" })).status).toBe(200);
    const d = await detail(delivery.id);
    expect(d).toMatchObject({ disposition: "stored", body: null, headers: null, events: [] });
  });

  it("answers an unknown delivery with 404 delivery_not_found, and no token with 401", async () => {
    const unknown = await admin("/v1/admin/deliveries/dlv_nope");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
    expect(((await unknown.json()) as { code: string }).code).toBe("delivery_not_found");
    expect((await admin("/v1/admin/deliveries/dlv_nope", { token: null })).status).toBe(401);
    expect((await admin("/v1/admin/deliveries/dlv_nope", { token: "wrong" })).status).toBe(401);
  });
});

describe("delivery log search", () => {
  it("finds a delivery by idempotency key or delivery id, and filters by disposition across sources", async () => {
    const { delivery, idempotencyKey, rejected, source } = await stored("search@example.com");
    expect((await list(`idempotencyKey=${idempotencyKey}`)).data.map((d) => d.id)).toEqual([delivery.id]);
    expect((await list(`deliveryId=${rejected.id}`)).data.map((d) => d.id)).toEqual([rejected.id]);
    expect((await list("idempotencyKey=msg_none")).data).toEqual([]);
    const rejectedAnywhere = await list("disposition=rejected:signature_invalid&limit=500");
    expect(rejectedAnywhere.data.map((d) => d.id)).toContain(rejected.id);
    expect(rejectedAnywhere.data.every((d) => d.disposition === "rejected:signature_invalid")).toBe(true);
    expect((await list(`sourceId=${source.id}&disposition=stored`)).data.map((d) => d.id)).toEqual([
      delivery.id,
    ]);
  });
});

describe("source activity", () => {
  it("gives each source its last delivery and its rejections per reason", async () => {
    const a = await stored("activity@example.com");
    const quiet = await mappedSource(workspaceName("quiet"));
    const response = await admin(`/v1/admin/source-activity?sourceId=${a.source.id}&sourceId=${quiet.id}`);
    expect(response.status).toBe(200);
    const activity = (await response.json()) as SourceActivityList;
    const busy = activity.data.find((s) => s.sourceId === a.source.id)!;
    expect(busy.rejectedTotal).toBe(1);
    expect(busy.rejections).toEqual([{ reason: "signature_invalid", count: 1 }]);
    expect(Date.parse(busy.lastDeliveryAt!)).toBeGreaterThanOrEqual(Date.parse(a.delivery.receivedAt));
    expect(activity.data.find((s) => s.sourceId === quiet.id)).toEqual({
      sourceId: quiet.id,
      lastDeliveryAt: null,
      rejectedTotal: 0,
      rejections: [],
    });
    // Without ids: every source (the newest 100).
    const all = (await (await admin("/v1/admin/source-activity")).json()) as SourceActivityList;
    expect(all.data.map((s) => s.sourceId)).toEqual(expect.arrayContaining([a.source.id, quiet.id]));
  });
});
