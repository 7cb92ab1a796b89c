import { describe, expect, it } from "vitest";
import { admin, createSource } from "../support/gateway";
import { expectRefused } from "./helpers";

/**
 * generic-hmac settings that would leave part of a delivery unsigned. Each one, if accepted, lets an
 * attacker holding one captured delivery get a 202 for something the sender never signed: any body
 * (no {body}), a stale capture with a fresh timestamp, or the same capture under a new id (stored
 * again). They are refused when the source is created, with a detail that names what is unsigned.
 */

const secret = "generic-config-secret-0123456789";

function create(settings: Record<string, unknown>) {
  return admin("/v1/admin/sources", {
    json: { name: "generic config", type: "generic-hmac", secret, ...settings },
  });
}

describe("generic-hmac settings that leave parts unsigned", () => {
  const unsafe: Record<string, { settings: Record<string, unknown>; names: string[] }> = {
    "timestamp header not in the signed content": {
      settings: { genericHmac: { signedContent: "{body}", timestampHeader: "X-Acme-Timestamp" } },
      names: ["timestampHeader", "X-Acme-Timestamp", "{timestamp}"],
    },
    "signed content without {body}": {
      settings: { genericHmac: { signedContent: "{timestamp}", timestampHeader: "x-ts" } },
      names: ["{body}", "body would be unsigned"],
    },
    "literal template": {
      settings: { genericHmac: { signedContent: "static-string" } },
      names: ["literal", "static-string"],
    },
    "id header not signed": {
      settings: { genericHmac: { signedContent: "{body}", idHeader: "X-Hook-Id" } },
      names: ["idHeader", "X-Hook-Id", "{id}"],
    },
    "idempotency key from an unsigned header": {
      settings: {
        genericHmac: { signedContent: "{body}" },
        idempotencyKey: { parts: [{ header: "x-event-id" }] },
      },
      names: ["x-event-id", "not signed"],
    },
    "idempotency key from a header other than the signed id": {
      settings: {
        genericHmac: { signedContent: "{id}.{body}", idHeader: "x-hook-id" },
        idempotencyKey: { parts: [{ header: "x-other-id" }] },
      },
      names: ["x-other-id"],
    },
  };

  for (const [label, { settings, names }] of Object.entries(unsafe))
    it(`refuses: ${label}`, async () => {
      const problem = await expectRefused(await create(settings), [400], [secret], label);
      expect(problem.code).toBe("signature_config_unsigned");
      for (const name of names) expect(problem.detail).toContain(name);
    });

  it("accepts settings where everything read from a delivery is signed", async () => {
    const safe = [
      { genericHmac: { signedContent: "{body}" } },
      { genericHmac: { signedContent: "{timestamp}.{body}", timestampHeader: "x-ts" } },
      {
        genericHmac: { signedContent: "{id}.{timestamp}.{body}", idHeader: "x-id", timestampHeader: "x-ts" },
      },
      {
        genericHmac: { signedContent: "{id}:{body}", idHeader: "X-Hook-Id" },
        idempotencyKey: { parts: [{ header: "x-hook-id" }, { path: "$.seq" }] },
      },
      { genericHmac: { signedContent: "{body}" }, idempotencyKey: { parts: [{ path: "$.event.id" }] } },
    ];
    for (const settings of safe) {
      const source = await createSource({ type: "generic-hmac", secret, ...settings });
      expect(source.type).toBe("generic-hmac");
    }
  });
});
