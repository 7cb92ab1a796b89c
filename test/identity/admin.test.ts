import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { StoredErasureReceiptView } from "../../src/routes/admin/get-erasure-receipt";
import type { IdentityRulesView } from "../../src/routes/admin/identity-schemas";
import type { ErasureReceiptView } from "../../src/routes/admin/profile-schemas";
import type { ProfileExport } from "../../src/views/export";
import type { ProfileView } from "../../src/views/profiles";
import { admin } from "../support/gateway";
import { adminJson, apply, event, freshWorkspace, setRules } from "./helpers";

describe("identity rules API", () => {
  it("shows the defaults, with the built-in blocklist and when a change applies", async () => {
    const ws = freshWorkspace();
    const view = await adminJson<IdentityRulesView>(`/v1/admin/workspaces/${ws}/identity-rules`);
    expect(view).toMatchObject({ workspace: ws, version: 0, updatedAt: null });
    expect(view.rules.identifierTypes).toContainEqual({ type: "user_id", priority: 1, limit: { count: 1 } });
    expect(view.rules.identifierTypes).toContainEqual({
      type: "anonymous_id",
      priority: 6,
      limit: { count: 5, windowSeconds: 604_800 },
    });
    expect(view.rules).toMatchObject({
      quarantineThreshold: 25,
      maxIdentifiersPerProfile: 1000,
      maxMergesPerProfile: 100,
    });
    expect(view.builtInBlocklist.values).toContain("[object object]");
    expect(view.appliesTo).toMatch(/after the change/);
  });

  it("replaces the rules, fills in defaults and counts versions", async () => {
    const ws = freshWorkspace();
    await setRules(ws, { quarantineThreshold: 10 });
    await setRules(ws, { quarantineThreshold: 12, blockedPatterns: [{ type: "crm_id", pattern: "^tmp-" }] });
    const view = await adminJson<IdentityRulesView>(`/v1/admin/workspaces/${ws}/identity-rules`);
    expect(view).toMatchObject({ version: 2, rules: { quarantineThreshold: 12, maxMergesPerProfile: 100 } });
    expect(view.rules.blockedPatterns).toEqual([{ type: "crm_id", pattern: "^tmp-" }]);
    expect(view.updatedAt).not.toBeNull();
  });

  it.each([
    ["a pattern RE2 cannot match in linear time", { blockedPatterns: [{ pattern: "^(\\w+)\\1$" }] }],
    [
      "a type twice",
      {
        identifierTypes: [
          { type: "email", priority: 1 },
          { type: "email", priority: 2 },
        ],
      },
    ],
    ["caps above the platform's", { maxMergesPerProfile: 101 }],
    ["more identifiers than 1000", { maxIdentifiersPerProfile: 5000 }],
    ["a zero limit", { identifierTypes: [{ type: "email", priority: 1, limit: { count: 0 } }] }],
    [
      "an unknown normalization",
      { identifierTypes: [{ type: "email", priority: 1, normalization: "soundex" }] },
    ],
  ])("refuses %s with a 400 problem", async (_, rules) => {
    const ws = freshWorkspace();
    const response = await admin(`/v1/admin/workspaces/${ws}/identity-rules`, { method: "PUT", json: rules });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "validation_failed" });
    expect((await adminJson<IdentityRulesView>(`/v1/admin/workspaces/${ws}/identity-rules`)).version).toBe(0);
  });

  it("refuses a workspace name that is not one", async () => {
    expect((await admin("/v1/admin/workspaces/Not%20OK/identity-rules")).status).toBe(400);
  });

  it.each([
    ["GET", "/v1/admin/workspaces/default/identity-rules"],
    ["PUT", "/v1/admin/workspaces/default/identity-rules"],
    ["GET", "/v1/admin/workspaces/default/identity-flags"],
    ["GET", "/v1/admin/workspaces/default/quarantine"],
    ["DELETE", "/v1/admin/workspaces/default/quarantine?identifier=email:a@x.io"],
    ["GET", "/v1/admin/profiles/prf_x/merges"],
    ["GET", "/v1/admin/profiles/prf_x/export"],
    ["DELETE", "/v1/admin/profiles/prf_x"],
  ])("%s %s needs the admin token", async (method, path) => {
    for (const token of [null, "wrong-token"]) {
      const response = await admin(path, { method, token, ...(method === "PUT" ? { json: {} } : {}) });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("answers 404 for unknown profiles and values that are not quarantined", async () => {
    for (const [method, path] of [
      ["GET", "/v1/admin/profiles/prf_unknown/merges"],
      ["GET", "/v1/admin/profiles/prf_unknown/export"],
      ["DELETE", "/v1/admin/profiles/prf_unknown"],
      ["DELETE", "/v1/admin/workspaces/default/quarantine?identifier=email:nobody@x.io"],
    ] as const) {
      const response = await admin(path, { method });
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});

describe("profile export and erasure", () => {
  async function personWithHistory(ws: string) {
    const source = "src_erasure_test";
    const events = [
      event(ws, "k1", [["device_id", "dev-jane"]], {
        sourceId: source,
        deliveryId: "dlv_e1",
        traits: { name: "Jane" },
      }),
      event(ws, "k2", [["email", "jane@erase.io"]], { sourceId: source, deliveryId: "dlv_e2" }),
      event(
        ws,
        "k3",
        [
          ["email", "jane@erase.io"],
          ["device_id", "dev-jane"],
        ],
        { sourceId: source, deliveryId: "dlv_e3" },
      ),
    ];
    const results = await apply(ws, events);
    return { source, events, profileId: results[0]!.profileId, mergedId: results[1]!.profileId };
  }

  it("exports the profile, all its events, merges and trait origins as JSON", async () => {
    const ws = freshWorkspace();
    const { profileId, mergedId } = await personWithHistory(ws);
    const response = await admin(`/v1/admin/profiles/${mergedId}/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain(`${profileId}.json`);
    const exported = (await response.json()) as ProfileExport;
    expect(exported.profile).toMatchObject({ id: profileId, mergedProfileIds: [mergedId] });
    expect(exported.profile.traitOrigins.name).toMatchObject({ sourceId: "src_erasure_test" });
    expect(exported.events).toHaveLength(3);
    expect(exported.eventsTruncated).toBe(false);
    expect(exported.merges).toMatchObject([
      { survivorId: profileId, mergedId, identifier: { type: "email" } },
    ]);
  });

  it("erases the profile, its merged profiles, events, dead letters and payloads, and answers with a receipt", async () => {
    const ws = freshWorkspace();
    const { source, events, profileId, mergedId } = await personWithHistory(ws);
    await env.PAYLOADS.put(`payloads/${source}/dlv_e2`, "large body naming jane@erase.io");
    const deadLetter = (id: string, deliveryId: string, body: unknown) =>
      env.DB.prepare(
        "INSERT INTO dead_letters (id, source_id, delivery_id, reason, attempts, message, created_at) VALUES (?,?,?,?,?,?,?)",
      )
        .bind(
          id,
          source,
          deliveryId,
          "mapping_failed",
          1,
          JSON.stringify({
            kind: "webhook",
            workspace: ws,
            deliveryId,
            sourceId: source,
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          }),
          Date.now(),
        )
        .run();
    await deadLetter(`dlq_${ws}_a`, `dlv_${ws}_a`, { customer: { email: "JANE@erase.io" } });
    await deadLetter(`dlq_${ws}_b`, `dlv_${ws}_b`, { customer: { email: "someone.else@erase.io" } });

    const response = await admin(`/v1/admin/profiles/${mergedId}`, { method: "DELETE" });
    expect(response.status).toBe(200);
    const receipt = (await response.json()) as ErasureReceiptView;
    expect(receipt).toMatchObject({ workspace: ws, profileId });
    expect(receipt.profileIds.sort()).toEqual([profileId, mergedId].sort());
    expect(receipt.deleted).toMatchObject({
      profiles: 2,
      identifiers: 2,
      events: 3,
      traits: 1,
      merges: 1,
      deadLetters: 1,
      payloads: 1,
    });
    expect(JSON.stringify(receipt)).not.toContain("jane");

    for (const id of [profileId, mergedId])
      expect((await admin(`/v1/admin/profiles/${id}`)).status).toBe(404);
    expect((await admin(`/v1/admin/profiles?workspace=${ws}&identifier=email:jane@erase.io`)).status).toBe(
      404,
    );
    const left = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM events WHERE workspace = ?1) AS events,
              (SELECT count(*) FROM identifiers WHERE workspace = ?1) AS identifiers,
              (SELECT count(*) FROM merges WHERE workspace = ?1) AS merges,
              (SELECT count(*) FROM dead_letters WHERE id = ?2) AS mine,
              (SELECT count(*) FROM dead_letters WHERE id = ?3) AS other,
              (SELECT counts FROM erasure_receipts WHERE id = ?4) AS stored`,
    )
      .bind(ws, `dlq_${ws}_a`, `dlq_${ws}_b`, receipt.receiptId)
      .first<{
        events: number;
        identifiers: number;
        merges: number;
        mine: number;
        other: number;
        stored: string;
      }>();
    expect(left).toMatchObject({ events: 0, identifiers: 0, merges: 0, mine: 0, other: 1 });
    expect(JSON.parse(left!.stored)).toEqual(receipt.deleted);
    // The receipt can be read again (the console shows it after the erasure), still without values.
    const stored = await adminJson<StoredErasureReceiptView>(
      `/v1/admin/workspaces/${ws}/erasures/${receipt.receiptId}`,
    );
    const { archive: _archive, ...withoutArchive } = receipt;
    expect(stored).toEqual(withoutArchive);
    expect((await admin(`/v1/admin/workspaces/default/erasures/${receipt.receiptId}`)).status).toBe(404);
    expect(
      (await admin(`/v1/admin/workspaces/${ws}/erasures/${receipt.receiptId}`, { token: null })).status,
    ).toBe(401);
    expect(await env.PAYLOADS.head(`payloads/${source}/dlv_e2`)).toBeNull();

    // A redelivery of an erased event changes nothing; a new event about the person starts afresh.
    const [again] = await apply(ws, [events[1]!]);
    expect(again).toMatchObject({ status: "duplicate", erased: true });
    expect((await admin(`/v1/admin/profiles?workspace=${ws}&identifier=email:jane@erase.io`)).status).toBe(
      404,
    );
    const [fresh] = await apply(ws, [event(ws, "k4", [["email", "jane@erase.io"]], { sourceId: source })]);
    expect(fresh!.status).toBe("stored");
    expect([profileId, mergedId]).not.toContain(fresh!.profileId);
    const view = await adminJson<ProfileView>(
      `/v1/admin/profiles?workspace=${ws}&identifier=email:jane@erase.io`,
    );
    expect(view.recentEvents).toHaveLength(1);
  });
});

describe("identity routes in the OpenAPI description", () => {
  it("documents every identity operation", async () => {
    const { call } = await import("../support/gateway");
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/v1/admin/workspaces/{workspace}/identity-rules"] ?? {}).sort()).toEqual([
      "get",
      "put",
    ]);
    expect(Object.keys(doc.paths["/v1/admin/workspaces/{workspace}/quarantine"] ?? {}).sort()).toEqual([
      "delete",
      "get",
    ]);
    expect(doc.paths["/v1/admin/workspaces/{workspace}/identity-flags"]).toHaveProperty("get");
    expect(doc.paths["/v1/admin/profiles/{profileId}"]).toHaveProperty("delete");
    expect(doc.paths["/v1/admin/profiles/{profileId}/merges"]).toHaveProperty("get");
    expect(doc.paths["/v1/admin/profiles/{profileId}/export"]).toHaveProperty("get");
    expect(doc.paths["/v1/admin/profiles/{profileId}/graph"]).toHaveProperty("get");
    expect(doc.paths["/v1/admin/workspaces/{workspace}/profiles"]).toHaveProperty("get");
    expect(doc.paths["/v1/admin/workspaces/{workspace}/erasures/{receiptId}"]).toHaveProperty("get");
  });
});
