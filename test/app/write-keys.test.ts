import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/encoding";
import type { WriteKeyList, WriteKeyView } from "../../src/routes/admin/write-key-schemas";
import { admin, call, createSource } from "../support/gateway";
import { basicAuth, createAppSource, createWriteKey, post, unique } from "./support";

const TRACK = { type: "track", event: "Pinged", userId: "wk-user" };

describe("admin API: write keys", () => {
  it("an app source is created without a secret and points senders at /v1/batch", async () => {
    const source = await createAppSource();
    expect(source.type).toBe("app");
    expect(source.ingestUrl).toBe("https://gateway.test/v1/batch");
  });

  it("an app source's webhook URL refuses deliveries: apps use the event API", async () => {
    const source = await createAppSource();
    const response = await call(`/v1/sources/${source.id}/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(TRACK),
    });
    expect(response.status).toBe(401);
  });

  it("the OpenAPI description documents the event API and its write-key scheme", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, unknown> };
    };
    for (const path of [
      "/v1/batch",
      "/v1/track",
      "/v1/identify",
      "/v1/page",
      "/v1/screen",
      "/v1/group",
      "/v1/alias",
    ])
      expect(doc.paths, path).toHaveProperty([path]);
    expect(doc.paths).toHaveProperty(["/v1/admin/sources/{sourceId}/write-keys"]);
    expect(doc.components.securitySchemes).toHaveProperty("writeKey");
  });

  it("an app source refuses a secret, and other types still require one", async () => {
    const withSecret = await admin("/v1/admin/sources", {
      json: { name: "app", type: "app", secret: "some-secret-value" },
    });
    expect(withSecret.status).toBe(400);
    expect(((await withSecret.json()) as { code: string }).code).toBe("invalid_secret");
    const noSecret = await admin("/v1/admin/sources", { json: { name: "gh", type: "github" } });
    expect(noSecret.status).toBe(400);
    expect(await noSecret.json()).toMatchObject({
      code: "validation_failed",
      detail: expect.stringContaining("secret"),
    });
  });

  it("creates a key shown once, stored only as its SHA-256", async () => {
    const source = await createAppSource();
    const created = await createWriteKey(source.id, "ios app");
    expect(created.writeKey).toMatch(/^wk_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ sourceId: source.id, name: "ios app", revokedAt: null });
    expect(created.writeKey.startsWith(created.prefix)).toBe(true);

    const listed = (await (await admin(`/v1/admin/sources/${source.id}/write-keys`)).json()) as WriteKeyList;
    expect(listed.data.map((k) => k.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.writeKey);

    const row = await env.DB.prepare("SELECT * FROM write_keys WHERE id = ?").bind(created.id).first();
    expect(row?.key_hash).toBe(await sha256Hex(created.writeKey));
    expect(JSON.stringify(row)).not.toContain(created.writeKey);
  });

  it("a revoked key answers 401 from then on; other keys of the source keep working", async () => {
    const source = await createAppSource();
    const revoked = await createWriteKey(source.id, "old");
    const kept = await createWriteKey(source.id, "new");
    expect((await post("/v1/track", TRACK, { authorization: basicAuth(revoked.writeKey) })).status).toBe(200);

    const response = await admin(`/v1/admin/sources/${source.id}/write-keys/${revoked.id}`, {
      method: "DELETE",
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as WriteKeyView).revokedAt).not.toBeNull();

    const refused = await post("/v1/track", TRACK, { authorization: basicAuth(revoked.writeKey) });
    expect(refused.status).toBe(401);
    expect((await post("/v1/track", { ...TRACK, writeKey: revoked.writeKey })).status).toBe(401);
    expect((await post("/v1/track", TRACK, { authorization: basicAuth(kept.writeKey) })).status).toBe(200);

    const listed = (await (await admin(`/v1/admin/sources/${source.id}/write-keys`)).json()) as WriteKeyList;
    expect(listed.data.find((k) => k.id === revoked.id)?.revokedAt).not.toBeNull();
    expect(listed.data.find((k) => k.id === kept.id)?.revokedAt).toBeNull();
  });

  it("keys of a deleted source stop working", async () => {
    const source = await createAppSource();
    const { writeKey } = await createWriteKey(source.id);
    expect((await admin(`/v1/admin/sources/${source.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await post("/v1/track", TRACK, { authorization: basicAuth(writeKey) })).status).toBe(401);
  });

  it("refuses keys for a non-app source (409), an unknown source (404), an unknown key (404)", async () => {
    const github = await createSource({ type: "github", secret: "gh-secret-0123456789" });
    const conflict = await admin(`/v1/admin/sources/${github.id}/write-keys`, { json: {} });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get("content-type")).toBe("application/problem+json");
    expect((await admin("/v1/admin/sources/src_missing/write-keys", { json: {} })).status).toBe(404);
    expect((await admin("/v1/admin/sources/src_missing/write-keys")).status).toBe(404);
    const source = await createAppSource();
    const missing = await admin(`/v1/admin/sources/${source.id}/write-keys/wk_missing`, { method: "DELETE" });
    expect(missing.status).toBe(404);
  });

  it("a key cannot be revoked through another source's URL", async () => {
    const owner = await createAppSource();
    const other = await createAppSource();
    const key = await createWriteKey(owner.id);
    const response = await admin(`/v1/admin/sources/${other.id}/write-keys/${key.id}`, { method: "DELETE" });
    expect(response.status).toBe(404);
    expect((await post("/v1/track", TRACK, { authorization: basicAuth(key.writeKey) })).status).toBe(200);
  });

  it("write-key routes require the admin token", async () => {
    const source = await createAppSource();
    const paths: [string, string][] = [
      ["POST", `/v1/admin/sources/${source.id}/write-keys`],
      ["GET", `/v1/admin/sources/${source.id}/write-keys`],
      ["DELETE", `/v1/admin/sources/${source.id}/write-keys/wk_x`],
    ];
    for (const [method, path] of paths) {
      expect((await admin(path, { method, token: null })).status).toBe(401);
      expect((await admin(path, { method, token: unique("wrong") })).status).toBe(401);
    }
  });
});
