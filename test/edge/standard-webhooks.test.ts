import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DeliveryList } from "../../src/routes/admin/list-deliveries";
import { admin, createSource, deliver, eventually } from "../support/gateway";
import { describeSchemeContract } from "./support/contract";
import { standardWebhooksHeaders } from "./support/signers";

const secretA = `whsec_${btoa("standard-webhooks-key-a-0123456789")}`;
const secretB = `whsec_${btoa("standard-webhooks-key-b-0123456789")}`;

describeSchemeContract("Standard Webhooks", {
  type: "standard-webhooks",
  secrets: [secretA, secretB],
  wrongSecret: `whsec_${btoa("standard-webhooks-key-x-0123456789")}`,
  body: JSON.stringify({ type: "contact.updated", data: { email: "sw@example.com" } }),
  sign: (secret, body, timestamp) =>
    standardWebhooksHeaders(secret, body, timestamp, `msg_${crypto.randomUUID()}`),
  requiredHeaders: ["webhook-id", "webhook-timestamp", "webhook-signature"],
  timestamped: true,
  signature: { header: "webhook-signature", pattern: /v1,([A-Za-z0-9+/=]+)/, encoding: "base64" },
});

describe("Standard Webhooks: several signatures in one header", () => {
  const T = 1795953600;
  const secret = "whsec_YjA4LXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWYhIQ==";
  const body = '{"type":"contact.updated","data":{"name":"Zoë 😀"}}';
  const headersWith = (signature: string) => ({
    "webhook-id": "msg_b08_0001",
    "webhook-timestamp": String(T),
    "webhook-signature": signature,
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("C06: a header mixing a bad, a good and an unknown-version entry is accepted", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T * 1000);
    const source = await createSource({ type: "standard-webhooks", secret });
    const good = new Webhook(secret).sign("msg_b08_0001", new Date(T * 1000), body);
    // The official library and the case file agree on the test input.
    expect(good).toBe("v1,0rtIkEw2p11u/4AVnHlZrZNjoxe6XBRPZYOLa5b+uk4=");
    const header = `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${good} v2,zzz`;
    expect((await deliver(source.id, body, headersWith(header))).status).toBe(202);
  });

  it("C06: unknown versions are never a fallback: v2 carrying the right bytes is refused", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T * 1000);
    const source = await createSource({ type: "standard-webhooks", secret });
    const good = new Webhook(secret).sign("msg_b08_0001", new Date(T * 1000), body);
    const header = `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${good.replace("v1,", "v2,")}`;
    const response = await deliver(source.id, body, headersWith(header));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe("signature_invalid");
  });
});

describe("Standard Webhooks: Svix-branded header names", () => {
  const secret = `whsec_${btoa("standard-webhooks-svix-key-0123456789")}`;

  /** What Svix sends: the same signature under svix-id / svix-timestamp / svix-signature. */
  function svixHeaders(body: string, id: string): Record<string, string> {
    const at = new Date();
    return {
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new Webhook(secret).sign(id, at, body),
    };
  }

  it("accepts svix-* headers signed by the official library; a re-send is a duplicate, one event", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const id = `msg_svix_${crypto.randomUUID()}`;
    const body = JSON.stringify({ type: "contact.updated", data: { email: "svix@example.com" } });
    const headers = svixHeaders(body, id);
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    const log = await eventually(async () => {
      const list = (await (await admin(`/v1/admin/deliveries?sourceId=${source.id}`)).json()) as DeliveryList;
      return list.data.every((d) => d.status !== "stored" || d.processedAt) && list.data.length === 2
        ? list
        : undefined;
    });
    expect(log.data.map((d) => d.status).sort()).toEqual(["duplicate", "stored"]);
    expect(log.data.map((d) => d.idempotencyKey)).toEqual([id, id]);
    const events = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE source_id = ?")
      .bind(source.id)
      .first<{ n: number }>();
    expect(events?.n).toBe(1);
  });

  it("a svix-* delivery with a bad signature or a missing header is refused like a webhook-* one", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const body = '{"type":"x"}';
    const headers = svixHeaders(body, "msg_svix_bad");
    const forged = await deliver(source.id, '{"type":"y"}', headers);
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe("signature_invalid");
    const { "svix-signature": _, ...unsigned } = headers;
    const missing = await deliver(source.id, body, unsigned);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { code: string }).code).toBe("signature_missing");
  });
});
