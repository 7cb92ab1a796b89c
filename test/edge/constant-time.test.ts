/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { bytesEqual, secretsEqual } from "../../src/lib/constant-time";
import { standardWebhooks } from "../../src/sources/auth/standard-webhooks";
import { earlyExitComparisons } from "./support/timing-scan";

/**
 * no early-exit comparison of secrets, signatures or keys. The auth sources (and the shared
 * constant-time helpers and admin guard) are read as text and every `===`/`!==`/`==`/`!=` whose operands
 * name a secret-like value is reported, unless the other side is a literal (a version label, null) or
 * the comparison is of a length, which is public.
 */
const sources = {
  ...import.meta.glob("../../src/sources/auth/*.ts", { query: "?raw", import: "default", eager: true }),
  ...import.meta.glob("../../src/lib/constant-time.ts", { query: "?raw", import: "default", eager: true }),
  ...import.meta.glob("../../src/routes/admin/auth.ts", { query: "?raw", import: "default", eager: true }),
} as Record<string, string>;

describe("C09: constant-time comparison", () => {
  it("C09: the scan reads every authentication scheme", () => {
    const names = Object.keys(sources).map((f) => f.split("/").pop());
    for (const scheme of [
      "standard-webhooks.ts",
      "stripe.ts",
      "github.ts",
      "shopify.ts",
      "slack.ts",
      "twilio.ts",
      "generic-hmac.ts",
      "basic-auth.ts",
      "bearer-token.ts",
      "api-key.ts",
      "credentials.ts",
      "constant-time.ts",
    ]) {
      expect(names).toContain(scheme);
    }
  });

  it("C09: the scan finds early-exit comparisons when they are there", () => {
    const planted = {
      "planted.ts": [
        "if (signature === expected) return ok;",
        "return given.apiKey !== storedKey;",
        "if (hmacHex == header) ok();",
        "return Buffer.compare(digest, other) === 0;",
        'if (version !== "v1") continue; // a literal label: fine',
        "if (signature.length !== expected.length) return false; // lengths are public",
      ].join("\n"),
    };
    expect(earlyExitComparisons(planted)).toEqual([
      "planted.ts:1: if (signature === expected) return ok;",
      "planted.ts:2: return given.apiKey !== storedKey;",
      "planted.ts:3: if (hmacHex == header) ok();",
      "planted.ts:4: return Buffer.compare(digest, other) === 0;",
    ]);
  });

  it("C09: no early-exit ===/!== is applied to secrets, signatures or API keys", () => {
    expect(earlyExitComparisons(sources)).toEqual([]);
  });

  it("C09: unequal lengths are a mismatch, not an exception", async () => {
    expect(bytesEqual(new Uint8Array(32), new Uint8Array(1))).toBe(false);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(await secretsEqual("short", "a much longer secret value")).toBe(false);
  });

  it("C09: truncated and garbage signatures are a plain mismatch at the scheme", async () => {
    const secret = `whsec_${btoa("c09-scheme-level-key-0123456789")}`;
    const now = Date.now();
    for (const signature of ["v1,AA==", "v1,zz!", "v1,", "v1"]) {
      const outcome = await standardWebhooks.verify(
        {
          headers: new Headers({
            "webhook-id": "msg_c09",
            "webhook-timestamp": String(Math.floor(now / 1000)),
            "webhook-signature": signature,
          }),
          body: new TextEncoder().encode("{}"),
          url: "https://gateway.test/",
          now,
        },
        [secret],
        {},
      );
      expect(outcome.ok, signature).toBe(false);
    }
  });
});
