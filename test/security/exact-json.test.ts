import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { appWithKey, basicAuth, post } from "../app/support";
import { importFile } from "../pull/csv/helpers";
import { API, createPullSource, interceptSourceApi, keysWhenStored, runNow } from "../pull/helpers";
import { admin, createSource, deliver, eventually, profileFor } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";
import { expectRefused } from "./helpers";

/**
 * Integers beyond 2^53 (18-digit order and customer ids) keep their exact digits on every path that
 * parses a payload, and the edge and the consumer parse with one contract: a body the edge accepts
 * always parses in the consumer. Two ids that differ only in their last digit round to the same
 * double with a plain JSON.parse.
 */

const server = interceptSourceApi();
afterAll(() => server.close());

const ID_A = "123456789012345678";
const ID_B = "123456789012345679";
const TOKEN = "tok_exact_json_0123456789";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async function storedEvents(sourceId: string, count: number) {
  return eventually(async () => {
    const { results } = await env.DB.prepare(
      "SELECT event_key, profile_id FROM events WHERE source_id = ? ORDER BY event_key",
    )
      .bind(sourceId)
      .all<{ event_key: string; profile_id: string }>();
    return results.length >= count ? results : undefined;
  }, 20_000);
}

describe("18-digit ids keep their digits", () => {
  it("webhook: a JSON-path idempotency key stores two distinct orders, two distinct customers", async () => {
    const source = await createSource({
      type: "bearer-token",
      secret: TOKEN,
      workspace: "exact-webhook",
      idempotencyKey: { parts: [{ path: "$.order.id" }] },
      mapping: { eventType: "=order.created", identifiers: { crm_id: "$.order.customer_id" } },
    });
    for (const id of [ID_A, ID_B]) {
      const body = `{"order":{"id":${id},"customer_id":${id}}}`;
      expect((await deliver(source.id, body, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    }
    const events = await storedEvents(source.id, 2);
    expect(events.map((e) => e.event_key)).toEqual([ID_A, ID_B]);
    expect(new Set(events.map((e) => e.profile_id)).size).toBe(2);
    const a = await profileFor("crm_id", ID_A, "exact-webhook");
    expect(a.identifiers).not.toContainEqual({ type: "crm_id", value: ID_B });
  });

  it("poll page: records sharing updated_at with big ids are distinct events and profiles", async () => {
    server.use(
      http.get(`${API}/big-ids`, () =>
        HttpResponse.text(
          `{"data":[{"id":${ID_A},"updated_at":"2026-01-01T00:00:00Z"},{"id":${ID_B},"updated_at":"2026-01-01T00:00:00Z"}]}`,
          { headers: { "content-type": "application/json" } },
        ),
      ),
    );
    const source = await createPullSource({
      workspace: "exact-poll",
      mapping: { identifiers: { crm_id: "$.id" } },
      poll: {
        kind: "api",
        url: `${API}/big-ids`,
        recordsPath: "$.data",
        recordId: "$.id",
        updatedAt: "$.updated_at",
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    const keys = await keysWhenStored(source.id, 2);
    expect(keys).toEqual([`rec:${ID_A}@2026-01-01T00:00:00Z`, `rec:${ID_B}@2026-01-01T00:00:00Z`]);
    const a = await profileFor("crm_id", ID_A, "exact-poll");
    const b = await profileFor("crm_id", ID_B, "exact-poll");
    expect(a.id).not.toBe(b.id);
  });

  it("fetch-on-notify: a fetched object's big id is not rounded", async () => {
    server.use(
      http.get(`${API}/big-customers/:id`, ({ params }) =>
        HttpResponse.text(`{"id":${params.id},"plan":"pro"}`, {
          headers: { "content-type": "application/json" },
        }),
      ),
    );
    const source = await createPullSource({
      type: "standard-webhooks",
      secret: SECRET,
      workspace: "exact-fon",
      mapping: { eventType: "$.type", identifiers: { crm_id: "$.object.id" } },
      fetch: { url: `${API}/big-customers/{$.data.id}`, into: "$.object" },
    });
    await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: { type: "bearer", token: "notify-token-1" },
    });
    for (const id of [ID_A, ID_B]) {
      const body = JSON.stringify({ type: "customer.updated", data: { id } });
      expect((await deliver(source.id, body, standardWebhooksHeaders(SECRET, body))).status).toBe(202);
    }
    const a = await profileFor("crm_id", ID_A, "exact-fon");
    const b = await profileFor("crm_id", ID_B, "exact-fon");
    expect(a.id).not.toBe(b.id);
  });

  it("CSV: rows with big ids are distinct events and profiles", async () => {
    const source = await createPullSource({
      type: "csv-file",
      workspace: "exact-csv",
      mapping: { identifiers: { crm_id: "$.id" } },
      csv: { recordId: "$.id", updatedAt: "$.updated_at" },
    });
    const result = await importFile(source.id, `id,updated_at\n${ID_A},2026-01-01\n${ID_B},2026-01-01\n`);
    expect(result.status).toBe("completed");
    const events = await storedEvents(source.id, 2);
    expect(new Set(events.map((e) => e.profile_id)).size).toBe(2);
    await profileFor("crm_id", ID_B, "exact-csv");
  });
});

describe("one JSON contract at the edge and in the consumer", () => {
  it("a body nested 10,000 deep is 400 json_too_deep at the edge, not accepted and dead-lettered", async () => {
    const source = await createSource({ type: "bearer-token", secret: TOKEN });
    for (const body of [
      `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
      `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`,
    ]) {
      const response = await deliver(source.id, body, { authorization: `Bearer ${TOKEN}` });
      const problem = await expectRefused(response, [400], [TOKEN]);
      expect(problem.code).toBe("json_too_deep");
    }
    // Nesting as deep as the limit is accepted, strings full of brackets do not count.
    const ok = `{"s":"${"[".repeat(500)}","d":${"[".repeat(63)}${"]".repeat(63)}}`;
    expect((await deliver(source.id, ok, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);
  });

  it("the app API answers the same 400 for a deep body", async () => {
    const { writeKey } = await appWithKey("exact-app");
    const body = `{"userId":"u1","event":"Deep","properties":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}`;
    const response = await post("/v1/track", body, { authorization: basicAuth(writeKey) });
    const problem = await expectRefused(response, [400], [writeKey]);
    expect(problem.code).toBe("json_too_deep");
  });
});
