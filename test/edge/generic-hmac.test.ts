import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { admin, createSource, deliver } from "../support/gateway";
import { describeSchemeContract } from "./support/contract";

describeSchemeContract("generic HMAC (sha512, base64, prefix, timestamp template)", {
  type: "generic-hmac",
  secrets: ["generic-contract-secret-a", "generic-contract-secret-b"],
  config: {
    genericHmac: {
      algorithm: "sha512",
      encoding: "base64",
      header: "X-Acme-Signature",
      prefix: "sha512=",
      signedContent: "{timestamp}.{body}",
      timestampHeader: "X-Acme-Timestamp",
    },
  },
  body: JSON.stringify({ email: "generic@example.com" }),
  sign: (secret, body, timestamp) => ({
    "x-acme-timestamp": String(timestamp),
    "x-acme-signature": `sha512=${createHmac("sha512", secret).update(`${timestamp}.${body}`).digest("base64")}`,
  }),
  requiredHeaders: ["x-acme-signature", "x-acme-timestamp"],
  timestamped: true,
  signature: { header: "x-acme-signature", pattern: /sha512=(.+)$/, encoding: "base64" },
});

describeSchemeContract("generic HMAC (sha1, hex, id template)", {
  type: "generic-hmac",
  secrets: ["generic-sha1-secret-a", "generic-sha1-secret-b"],
  config: {
    genericHmac: {
      algorithm: "sha1",
      encoding: "hex",
      header: "x-hook-sig",
      prefix: "",
      signedContent: "{id}:{body}",
      idHeader: "x-hook-id",
    },
  },
  body: JSON.stringify({ email: "generic-sha1@example.com" }),
  sign: (secret, body) => ({
    "x-hook-id": "hook-42",
    "x-hook-sig": createHmac("sha1", secret).update(`hook-42:${body}`).digest("hex"),
  }),
  requiredHeaders: ["x-hook-sig", "x-hook-id"],
  timestamped: false,
  signature: { header: "x-hook-sig", pattern: /^([0-9a-f]+)$/, encoding: "hex" },
});

describe("generic HMAC settings", () => {
  it("with a separator, any of several signatures in the header may match (sender-side rotation)", async () => {
    const secret = "generic-rotation-secret";
    const source = await createSource({
      type: "generic-hmac",
      secret,
      genericHmac: {
        algorithm: "sha256",
        encoding: "hex",
        header: "x-sig",
        prefix: "v1=",
        signedContent: "{body}",
        signatureSeparator: ",",
      },
    });
    const body = JSON.stringify({ email: "sep@example.com" });
    const good = createHmac("sha256", secret).update(body).digest("hex");
    const old = createHmac("sha256", "retired-secret-000").update(body).digest("hex");
    expect((await deliver(source.id, body, { "x-sig": `v1=${old}, v1=${good}` })).status).toBe(202);
    expect((await deliver(source.id, body, { "x-sig": `v1=${old}, v2=${good}` })).status).toBe(401);
  });

  it("a hex signature sent to a base64 source is refused (one declared encoding)", async () => {
    const secret = "generic-encoding-secret";
    const source = await createSource({
      type: "generic-hmac",
      secret,
      genericHmac: {
        algorithm: "sha256",
        encoding: "base64",
        header: "x-sig",
        prefix: "",
        signedContent: "{body}",
      },
    });
    const body = JSON.stringify({ email: "enc@example.com" });
    const hex = createHmac("sha256", secret).update(body).digest("hex");
    const b64 = createHmac("sha256", secret).update(body).digest("base64");
    expect((await deliver(source.id, body, { "x-sig": b64 })).status).toBe(202);
    expect((await deliver(source.id, body, { "x-sig": hex })).status).toBe(401);
  });

  it("a template that uses {timestamp} or {id} without naming its header is refused at save", async () => {
    for (const genericHmac of [
      { signedContent: "{timestamp}.{body}" },
      { signedContent: "{id}.{body}" },
      { header: "bad header name" },
    ]) {
      const response = await admin("/v1/admin/sources", {
        json: { name: "g", type: "generic-hmac", secret: "generic-config-secret", genericHmac },
      });
      expect(response.status, JSON.stringify(genericHmac)).toBe(400);
    }
  });

  it("a signature over the body text re-encoded from a different charset is refused (raw bytes only)", async () => {
    const secret = "generic-bytes-secret";
    const source = await createSource({
      type: "generic-hmac",
      secret,
      genericHmac: {
        algorithm: "sha256",
        encoding: "hex",
        header: "x-sig",
        prefix: "",
        signedContent: "{body}",
      },
    });
    const latin1 = Uint8Array.from('{"name":"Zoë"}', (c) => c.charCodeAt(0));
    const overUtf8 = createHmac("sha256", secret).update('{"name":"Zoë"}', "utf8").digest("hex");
    const response = await deliver(source.id, latin1, {
      "content-type": "application/json; charset=latin1",
      "x-sig": overUtf8,
    });
    expect(response.status).toBe(401);
    const overBytes = createHmac("sha256", secret).update(latin1).digest("hex");
    const ok = await deliver(source.id, latin1, {
      "content-type": "application/json; charset=latin1",
      "x-sig": overBytes,
    });
    expect(ok.status).toBe(202);
  });
});
