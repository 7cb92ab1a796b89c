import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSource, deliver } from "../support/gateway";
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

  it("a header mixing a bad, a good and an unknown-version entry is accepted", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T * 1000);
    const source = await createSource({ type: "standard-webhooks", secret });
    const good = new Webhook(secret).sign("msg_b08_0001", new Date(T * 1000), body);
    // The official library and the case file agree on the test input.
    expect(good).toBe("v1,0rtIkEw2p11u/4AVnHlZrZNjoxe6XBRPZYOLa5b+uk4=");
    const header = `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${good} v2,zzz`;
    expect((await deliver(source.id, body, headersWith(header))).status).toBe(202);
  });

  it("unknown versions are never a fallback: v2 carrying the right bytes is refused", async () => {
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
