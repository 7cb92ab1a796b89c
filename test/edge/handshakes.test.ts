import { describe, expect, it } from "vitest";
import { call, createSource } from "../support/gateway";
import { rejectionsOf } from "./support/contract";

const secret = "handshake-hmac-secret";

describe("GET echo handshake", () => {
  it("echoes the configured query parameter as text/plain", async () => {
    const source = await createSource({ type: "generic-hmac", secret, challengeParam: "hub.challenge" });
    const response = await call(
      `/v1/sources/${source.id}/webhooks?hub.mode=subscribe&hub.challenge=1158201444`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await response.text()).toBe("1158201444");
  });

  it("refuses a missing challenge or one that is not a plain token (no reflected markup)", async () => {
    const source = await createSource({ type: "generic-hmac", secret, challengeParam: "challenge" });
    for (const query of [
      "",
      "?other=1",
      `?challenge=${encodeURIComponent("<script>alert(1)</script>")}`,
      `?challenge=${"a".repeat(513)}`,
    ]) {
      const response = await call(`/v1/sources/${source.id}/webhooks${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.text()).not.toContain("<script>");
    }
    expect(await rejectionsOf(source.id, 4)).toEqual(Array(4).fill("bad_request"));
  });

  it("a source without a challengeParam answers GET with 405 and Allow: POST", async () => {
    const source = await createSource({ type: "generic-hmac", secret });
    const response = await call(`/v1/sources/${source.id}/webhooks?challenge=abc`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("the source's IP allowlist applies to the handshake too", async () => {
    const source = await createSource({
      type: "generic-hmac",
      secret,
      challengeParam: "challenge",
      allowedIps: ["192.0.2.0/24"],
    });
    const inside = await call(`/v1/sources/${source.id}/webhooks?challenge=abc`, {
      headers: { "cf-connecting-ip": "192.0.2.10" },
    });
    expect(inside.status).toBe(200);
    const outside = await call(`/v1/sources/${source.id}/webhooks?challenge=abc`, {
      headers: { "cf-connecting-ip": "192.0.3.10" },
    });
    expect(outside.status).toBe(403);
  });

  it("an unknown source is 404", async () => {
    expect((await call("/v1/sources/src_unknown_handshake/webhooks?challenge=abc")).status).toBe(404);
  });
});
