import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import {
  admin,
  call,
  createSource,
  deliver,
  eventually,
  profileFor,
  storedEventCount,
} from "../support/gateway";
import { githubHeaders, shopifyHeaders, standardWebhooksHeaders, stripeHeaders } from "../support/senders";

async function adminOperations(): Promise<{ method: string; path: string }[]> {
  const spec = (await (await call("/openapi.json")).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(spec.paths)
    .filter(([path]) => path.startsWith("/v1/admin"))
    .flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, "x"),
      })),
    );
}

describe("admin token", () => {
  it("is required on every admin route: none or a wrong one gets 401 problem+json", async () => {
    const operations = await adminOperations();
    expect(operations.length).toBeGreaterThanOrEqual(7);
    for (const { method, path } of operations) {
      for (const token of [null, "wrong-token"]) {
        const response = await admin(path, {
          method,
          token,
          json: method === "GET" || method === "DELETE" ? undefined : {},
        });
        expect(response.status, `${method} ${path} with token ${token}`).toBe(401);
        expect(response.headers.get("content-type")).toContain("application/problem+json");
        expect(((await response.json()) as { code: string }).code).toBe("unauthorized");
      }
    }
  });

  it("every admin route refuses when ADMIN_TOKEN is unset, even with a bearer token", async () => {
    for (const { method, path } of await adminOperations()) {
      const response = await worker.fetch(
        new Request(`https://gateway.test${path}`, { method, headers: { authorization: "Bearer " } }),
        { ...env, ADMIN_TOKEN: undefined },
        createExecutionContext(),
      );
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(((await response.json()) as { code: string }).code).toBe("admin_not_configured");
    }
  });

  it("never returns a source's secret", async () => {
    const source = await createSource({ type: "github", secret: "do-not-leak-0123456789" });
    const pages = [await admin("/v1/admin/sources"), await admin(`/v1/admin/sources/${source.id}`)];
    for (const page of pages) expect(await page.text()).not.toContain("do-not-leak");
    expect(JSON.stringify(source)).not.toContain("do-not-leak");
  });

  it("stores a source's secret encrypted, not as plaintext", async () => {
    const source = await createSource({ type: "shopify", secret: "plaintext-must-not-be-stored" });
    const row = await env.DB.prepare("SELECT * FROM sources WHERE id = ?").bind(source.id).first();
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain("plaintext-must-not-be-stored");
    expect(String(row?.sealed_secrets)).toMatch(/^v1\./);
  });
});

describe("edge route", () => {
  it("answers 404 problem+json for an unknown source", async () => {
    const response = await deliver("src_unknown", "{}", {});
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 404, code: "source_not_found" });
  });

  it("answers 404 after the source is deleted", async () => {
    const secret = "gh-deleted-0123456789";
    const source = await createSource({ type: "github", secret });
    expect((await admin(`/v1/admin/sources/${source.id}`, { method: "DELETE" })).status).toBe(204);
    const body = "{}";
    expect((await deliver(source.id, body, await githubHeaders(secret, body, "ping"))).status).toBe(404);
  });

  const now = Math.floor(Date.now() / 1000);
  const cases = [
    {
      type: "github" as const,
      secret: "gh-secret-guard-0001",
      otherSecret: "gh-secret-other-0001",
      sign: (secret: string, body: string) => githubHeaders(secret, body, "ping"),
    },
    {
      type: "shopify" as const,
      secret: "shpss-secret-guard-0001",
      otherSecret: "shpss-secret-other-0001",
      sign: (secret: string, body: string) => shopifyHeaders(secret, body, "customers/update"),
    },
    {
      type: "stripe" as const,
      secret: "whsec_guard_0001",
      otherSecret: "whsec_other_0001",
      sign: (secret: string, body: string, at = now) => stripeHeaders(secret, body, at),
      timestamped: true,
    },
    {
      type: "standard-webhooks" as const,
      secret: "whsec_Z3VhcmQtc3RhbmRhcmQta2V5LTAwMDE=",
      otherSecret: "whsec_b3RoZXItc3RhbmRhcmQta2V5LTAwMDE=",
      sign: async (secret: string, body: string, at = now) =>
        standardWebhooksHeaders(secret, body, `msg_${crypto.randomUUID()}`, new Date(at * 1000)),
      timestamped: true,
    },
  ];

  for (const c of cases) {
    it(`${c.type}: accepts its official signature, rejects a tampered body, a missing signature and another source's secret`, async () => {
      const source = await createSource({ type: c.type, secret: c.secret });
      const other = await createSource({ type: c.type, secret: c.otherSecret });
      const body = JSON.stringify({ id: "evt_guard", type: "ping" });
      expect((await deliver(source.id, body, await c.sign(c.secret, body))).status).toBe(202);

      const tampered = await deliver(source.id, body.replace("ping", "pong"), await c.sign(c.secret, body));
      expect(tampered.status).toBe(401);
      expect(((await tampered.json()) as { code: string }).code).toBe("signature_invalid");
      // Signed with the other source's secret, sent to this one; and this source's signature sent to the other.
      expect((await deliver(source.id, body, await c.sign(c.otherSecret, body))).status).toBe(401);
      expect((await deliver(other.id, body, await c.sign(c.secret, body))).status).toBe(401);
      expect((await deliver(source.id, body, {})).status).toBe(401);
    });

    if (c.timestamped) {
      it(`${c.type}: rejects a signature whose timestamp is more than 5 minutes old or ahead`, async () => {
        const source = await createSource({ type: c.type, secret: c.secret });
        const body = JSON.stringify({ id: "evt_time", type: "ping" });
        for (const at of [now - 600, now + 600]) {
          const response = await deliver(source.id, body, await c.sign(c.secret, body, at));
          expect(response.status).toBe(401);
          expect(((await response.json()) as { code: string }).code).toBe("timestamp_invalid");
        }
        expect((await deliver(source.id, body, await c.sign(c.secret, body, now - 120))).status).toBe(202);
      });
    }
  }
});

describe("queue consumer", () => {
  it("a batch from a queue the Worker does not know is retried later, unread, not consumed as ingest", async () => {
    const source = await createSource({ type: "github", secret: "gh-unknown-queue-01" });
    const envelope: DeliveryEnvelope = {
      kind: "webhook",
      v: 1,
      deliveryId: "dlv_unknown_queue",
      sourceId: source.id,
      sourceType: "github",
      workspace: "default",
      receivedAt: Date.now(),
      idempotencyKey: "gh-delivery-unknown-queue",
      headers: { "content-type": "application/json", "x-github-event": "star" },
      body: JSON.stringify({ action: "created", sender: { id: 7002, login: "unknown-queue" } }),
    };
    const before = await storedEventCount();
    const batch = createMessageBatch("tributary-ingest-renamed", [
      { id: "u1", timestamp: new Date(), attempts: 1, body: envelope },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryBatch).toMatchObject({ retry: true });
    expect(result.explicitAcks).toEqual([]);
    expect(await storedEventCount()).toBe(before);
  });

  it("a redelivered message changes nothing the second time", async () => {
    const source = await createSource({ type: "github", secret: "gh-redelivery-0001" });
    const envelope: DeliveryEnvelope = {
      kind: "webhook",
      v: 1,
      deliveryId: "dlv_redelivered",
      sourceId: source.id,
      sourceType: "github",
      workspace: "default",
      receivedAt: Date.now(),
      idempotencyKey: "gh-delivery-redelivered",
      headers: { "content-type": "application/json", "x-github-event": "star" },
      body: JSON.stringify({ action: "created", sender: { id: 7001, login: "redelivered" } }),
    };
    const before = await storedEventCount();
    for (let attempt = 1; attempt <= 2; attempt++) {
      const batch = createMessageBatch("tributary-ingest", [
        { id: `m${attempt}`, timestamp: new Date(), attempts: attempt, body: envelope },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([`m${attempt}`]);
    }
    expect(await storedEventCount()).toBe(before + 1);
    const profile = await profileFor("github_user_id", "7001");
    const events = (await (await admin(`/v1/admin/profiles/${profile.id}/events`)).json()) as {
      data: unknown[];
    };
    expect(events.data).toHaveLength(1);
  });

  it("two events that share an identifier link their identifiers into one profile", async () => {
    const secret = "whsec_bGluay10d28tcHJvZmlsZXMta2V5LTAx";
    const source = await createSource({
      type: "standard-webhooks",
      secret,
      mapping: { identifiers: { email: "$.email", phone: "$.phone", device_id: "$.device" } },
    });
    const first = JSON.stringify({ type: "signup", email: "lin@example.com", device: "dev-9" });
    const second = JSON.stringify({ type: "login", phone: "+14155550100", device: "dev-8" });
    const linking = JSON.stringify({ type: "update", email: "lin@example.com", phone: "+14155550100" });
    for (const body of [first, second])
      expect((await deliver(source.id, body, standardWebhooksHeaders(secret, body))).status).toBe(202);
    const a = await profileFor("device_id", "dev-9");
    const b = await profileFor("device_id", "dev-8");
    expect(a.id).not.toBe(b.id);

    expect((await deliver(source.id, linking, standardWebhooksHeaders(secret, linking))).status).toBe(202);
    const merged = await eventually(async () => {
      const p = await profileFor("device_id", "dev-8");
      return p.id === (await profileFor("device_id", "dev-9")).id ? p : undefined;
    });
    expect(merged.identifiers).toEqual(
      expect.arrayContaining([
        { type: "email", value: "lin@example.com" },
        { type: "phone", value: "+14155550100" },
        { type: "device_id", value: "dev-9" },
        { type: "device_id", value: "dev-8" },
      ]),
    );
    // The older profile survives, and the merged profile's id redirects to it.
    const survivor = await admin(`/v1/admin/profiles/${b.id}`);
    expect(((await survivor.json()) as { id: string }).id).toBe(merged.id);
  });
});
