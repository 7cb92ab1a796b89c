import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSource, deliver } from "../support/gateway";
import { describeSchemeContract } from "./support/contract";
import { shopifyHeaders } from "./support/signers";

describeSchemeContract("Shopify", {
  type: "shopify",
  secrets: ["shpss_contract_secret_a", "shpss_contract_secret_b"],
  body: JSON.stringify({ id: 5, email: "shop@example.com" }),
  sign: (secret, body) => shopifyHeaders(secret, body),
  requiredHeaders: ["x-shopify-hmac-sha256"],
  timestamped: false,
  signature: { header: "x-shopify-hmac-sha256", pattern: /^(.+)$/, encoding: "base64" },
});

describe("Shopify: base64 over the raw bytes", () => {
  const secret = "shpss_test_b03";
  const body = String.raw`{"id":1001,"note":"a\/b \u0026 c"}`;

  it("C03: base64 HMAC of the body with Shopify's escapes is accepted", async () => {
    const source = await createSource({ type: "shopify", secret });
    const headers = shopifyHeaders(secret, body);
    expect(headers["x-shopify-hmac-sha256"]).toBe("dNdjo298BIj/PHRWfbAckDH3bj0MLnllOs1WtKMHO6c=");
    expect((await deliver(source.id, body, headers)).status).toBe(202);
  });

  it("C03: the hex form of the same digest, and a digest of the re-serialized body, are refused", async () => {
    const source = await createSource({ type: "shopify", secret });
    const hex = createHmac("sha256", secret).update(body).digest("hex");
    expect((await deliver(source.id, body, { "x-shopify-hmac-sha256": hex })).status).toBe(401);
    const reserialized = JSON.stringify(JSON.parse(body));
    expect(reserialized).toBe('{"id":1001,"note":"a/b & c"}');
    const response = await deliver(source.id, body, shopifyHeaders(secret, reserialized));
    expect(response.status).toBe(401);
  });
});
