import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeliveryList } from "../../src/routes/admin/list-deliveries";
import { admin, createSource, deliver, eventually } from "../support/gateway";
import { expectRefused } from "./helpers";

/**
 * An idempotency key is stored in the delivery log and shown by the admin API, so a key built from a
 * credential header would store the sender's token. An operator (or a script copying a sender's
 * headers) must not be able to configure one.
 */

const token = "tok_idempotency_leak_0123456789";

describe("credential headers as idempotency key parts", () => {
  const credentialHeaders = [
    "Authorization",
    "proxy-authorization",
    "Cookie",
    "set-cookie",
    "X-API-Key",
    "api-key",
    "X-Auth-Token",
    "x-auth-user",
    "x-access-token",
    "x-webhook-secret",
    "x-csrf-token",
    "x-client-password",
  ];

  it("are refused at source creation with a 400 naming the header", async () => {
    for (const header of credentialHeaders) {
      const response = await admin("/v1/admin/sources", {
        json: {
          name: "idempotency credential",
          type: "bearer-token",
          secret: token,
          idempotencyKey: { parts: [{ path: "$.id" }, { header }] },
        },
      });
      const problem = await expectRefused(response, [400], [token], header);
      expect(problem.code, header).toBe("idempotency_key_credential");
      expect(problem.detail, header).toContain(header.toLowerCase());
    }
  });

  it("siblings: a generic-hmac id header and the source's own API-key header are refused too", async () => {
    const generic = await admin("/v1/admin/sources", {
      json: {
        name: "generic id header",
        type: "generic-hmac",
        secret: "generic-secret-0123456789",
        genericHmac: { idHeader: "authorization", signedContent: "{id}.{body}" },
      },
    });
    expect((await expectRefused(generic, [400], [], "idHeader")).code).toBe("idempotency_key_credential");
    const apiKey = await admin("/v1/admin/sources", {
      json: {
        name: "api key header",
        type: "api-key",
        secret: token,
        apiKeyHeader: "X-Vendor-Key",
        idempotencyKey: { parts: [{ header: "x-vendor-key" }] },
      },
    });
    expect((await expectRefused(apiKey, [400], [token], "apiKeyHeader")).code).toBe(
      "idempotency_key_credential",
    );
  });

  it("ordinary id headers stay allowed", async () => {
    for (const header of ["x-request-id", "I-Twilio-Idempotency-Token", "x-event-id", "webhook-id"]) {
      const source = await createSource({
        type: "bearer-token",
        secret: token,
        idempotencyKey: { parts: [{ header }] },
      });
      expect(source.idempotencyKey).toEqual({ parts: [{ header }] });
    }
  });

  it("a source stored before the check never writes the token into the delivery log", async () => {
    const source = await createSource({ type: "bearer-token", secret: token });
    await env.DB.prepare(
      `UPDATE sources SET config = json_set(config, '$.idempotencyKey', json('{"parts":[{"header":"authorization"}]}'))
       WHERE id = ?`,
    )
      .bind(source.id)
      .run();
    const headers = { authorization: `Bearer ${token}` };
    expect((await deliver(source.id, '{"a":1}', headers)).status).toBe(202);
    expect((await deliver(source.id, '{"a":2}', headers)).status).toBe(202);
    const log = await eventually(async () => {
      const response = await admin(`/v1/admin/deliveries?sourceId=${source.id}`);
      const list = (await response.json()) as DeliveryList;
      return list.data.length === 2 ? list : undefined;
    });
    expect(JSON.stringify(log)).not.toContain(token);
    // Still one key for both: the configured dedupe keeps working on the digest.
    expect(log.data[0]!.idempotencyKey).toMatch(/^key-sha256:[0-9a-f]{64}$/);
    expect(log.data[1]!.idempotencyKey).toBe(log.data[0]!.idempotencyKey);
  });
});
