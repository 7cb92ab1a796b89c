import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { IdentityFlag } from "../../src/identity/flags";
import { eventRowIdFor } from "../../src/identity/graph";
import type { QuarantineEntry } from "../../src/identity/quarantine";
import type { MergeView, ProfileView } from "../../src/views/profiles";
import { adminJson, apply, event, freshWorkspace, grouping, liveProfileCount, setRules, T } from "./helpers";

describe("IdentityResolver against D1", () => {
  it("applies an event once, whatever the redeliveries (also concurrent ones)", async () => {
    const ws = freshWorkspace();
    const e = event(ws, "k1", [["email", "a@x.io"]], { traits: { plan: "pro" } });
    const [first] = await apply(ws, [e]);
    const again = await Promise.all([apply(ws, [e]), apply(ws, [e, e])]);
    // The stored answer names the row D1 and the archive hold the event under.
    expect(first).toMatchObject({ status: "stored", eventRowId: await eventRowIdFor(e) });
    const { results: rows } = await env.DB.prepare("SELECT id FROM events WHERE workspace = ?")
      .bind(ws)
      .all();
    expect(rows).toEqual([{ id: first!.eventRowId }]);
    expect(again.flat().map((r) => r.status)).toEqual(["duplicate", "duplicate", "duplicate"]);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE workspace = ?")
      .bind(ws)
      .first<{ n: number }>();
    expect(n?.n).toBe(1);
  });

  it("within one batch, an event after a merge and a repeated event land on the surviving profile", async () => {
    const ws = freshWorkspace();
    const a = event(ws, "a", [["email", "a@x.io"]]);
    const results = await apply(ws, [
      a,
      event(ws, "b", [["email", "b@x.io"]]),
      event(ws, "link", [
        ["email", "a@x.io"],
        ["email", "b@x.io"],
      ]),
      a,
      event(ws, "later", [
        ["email", "b@x.io"],
        ["device_id", "d-1"],
      ]),
      event(ws, "device", [["device_id", "d-1"]]),
    ]);
    const survivor = results[2]!.profileId;
    expect(results[2]!.merged).toHaveLength(1);
    expect(results.map((r) => r.status)).toEqual([
      "stored",
      "stored",
      "stored",
      "duplicate",
      "stored",
      "stored",
    ]);
    expect(results.slice(3).map((r) => r.profileId)).toEqual([survivor, survivor, survivor]);
    expect(await grouping(ws)).toEqual([["device_id:d-1", "email:a@x.io", "email:b@x.io"]]);
  });

  it("merges profiles linked by an event into the oldest, records why, and redirects the old id", async () => {
    const ws = freshWorkspace();
    const [a] = await apply(ws, [event(ws, "k1", [["device_id", "d1"]])]);
    const [b] = await apply(ws, [event(ws, "k2", [["email", "jane@x.io"]])]);
    const [link] = await apply(ws, [
      event(ws, "k3", [
        ["email", "jane@x.io"],
        ["device_id", "d1"],
      ]),
    ]);
    expect(link).toMatchObject({ profileId: a!.profileId, merged: [b!.profileId] });
    expect(await grouping(ws)).toEqual([["device_id:d1", "email:jane@x.io"]]);

    const viaOldId = await adminJson<ProfileView>(`/v1/admin/profiles/${b!.profileId}`);
    expect(viaOldId.id).toBe(a!.profileId);
    expect(viaOldId.mergedProfileIds).toEqual([b!.profileId]);
    const merges = await adminJson<{ profileId: string; data: MergeView[] }>(
      `/v1/admin/profiles/${b!.profileId}/merges`,
    );
    expect(merges.profileId).toBe(a!.profileId);
    expect(merges.data).toMatchObject([
      {
        survivorId: a!.profileId,
        mergedId: b!.profileId,
        identifier: { type: "email", value: "jane@x.io" },
        eventId: await eventRowIdFor(event(ws, "k3", [])),
        rule: "shared_identifier@v0",
      },
    ]);
  });

  it("keeps redirects one hop when a survivor is merged in turn", async () => {
    const ws = freshWorkspace();
    const [p1] = await apply(ws, [event(ws, "k1", [["device_id", "d1"]])]);
    const [p2] = await apply(ws, [event(ws, "k2", [["device_id", "d2"]])]);
    const [p3] = await apply(ws, [event(ws, "k3", [["device_id", "d3"]])]);
    await apply(ws, [
      event(ws, "k4", [
        ["device_id", "d2"],
        ["device_id", "d3"],
      ]),
    ]);
    await apply(ws, [
      event(ws, "k5", [
        ["device_id", "d1"],
        ["device_id", "d3"],
      ]),
    ]);
    const rows = await env.DB.prepare("SELECT id, merged_into FROM profiles WHERE workspace = ? ORDER BY id")
      .bind(ws)
      .all<{ id: string; merged_into: string | null }>();
    expect(rows.results.find((r) => r.id === p3!.profileId)?.merged_into).toBe(p1!.profileId);
    expect(rows.results.find((r) => r.id === p2!.profileId)?.merged_into).toBe(p1!.profileId);
    const merges = await adminJson<{ data: MergeView[] }>(`/v1/admin/profiles/${p3!.profileId}/merges`);
    expect(merges.data).toHaveLength(2);
  });

  it("keeps traits last-writer-wins by event time across a merge, with the event and source that set them", async () => {
    const ws = freshWorkspace();
    await apply(ws, [
      event(ws, "late", [["device_id", "d1"]], {
        occurredAt: T + 2000,
        traits: { name: "New" },
        sourceId: "src_a",
      }),
    ]);
    await apply(ws, [
      event(ws, "early", [["email", "n@x.io"]], {
        occurredAt: T + 1000,
        traits: { name: "Old", plan: "free" },
        sourceId: "src_b",
      }),
    ]);
    await apply(ws, [
      event(
        ws,
        "link",
        [
          ["email", "n@x.io"],
          ["device_id", "d1"],
        ],
        { occurredAt: T },
      ),
    ]);
    const profile = await adminJson<ProfileView>(
      `/v1/admin/profiles?workspace=${ws}&identifier=email:N@X.io`,
    );
    expect(profile.traits).toEqual({ name: "New", plan: "free" });
    expect(profile.traitOrigins.name).toEqual({
      sourceId: "src_a",
      eventId: await eventRowIdFor({ workspace: ws, sourceId: "src_a", eventKey: "late" }),
      occurredAt: new Date(T + 2000).toISOString(),
      deliveryId: "dlv_late",
      eventType: "test.event",
    });
    expect(profile.recentEvents.map((e) => e.occurredAt)).toEqual(
      [T + 2000, T + 1000, T].map((t) => new Date(t).toISOString()),
    );
  });

  it("never joins two crm_ids: drops the weaker identifier, warns on the event and flags it", async () => {
    const ws = freshWorkspace();
    await apply(ws, [
      event(ws, "k1", [
        ["crm_id", "crm_1"],
        ["email", "shared@corp.io"],
      ]),
    ]);
    const [second] = await apply(ws, [
      event(ws, "k2", [
        ["crm_id", "crm_2"],
        ["email", "shared@corp.io"],
      ]),
    ]);
    expect(await grouping(ws)).toEqual([["crm_id:crm_1", "email:shared@corp.io"], ["crm_id:crm_2"]]);
    const events = await adminJson<{ data: { warnings: string[] }[] }>(
      `/v1/admin/profiles/${second!.profileId}/events`,
    );
    expect(events.data[0]!.warnings.join("\n")).toContain(
      'identifier email="shared@corp.io" dropped by merge protection (limit:crm_id)',
    );
    const flags = await adminJson<{ data: IdentityFlag[] }>(`/v1/admin/workspaces/${ws}/identity-flags`);
    expect(flags.data).toMatchObject([
      {
        kind: "identifier_dropped",
        rule: "limit:crm_id",
        identifier: { type: "email", value: "shared@corp.io" },
      },
    ]);
  });

  it("counts a windowed limit by event time (anonymous_id: 5 per week by default)", async () => {
    const ws = freshWorkspace();
    const day = 86_400_000;
    const old = Array.from({ length: 5 }, (_, i) =>
      event(
        ws,
        `old${i}`,
        [
          ["user_id", "u1"],
          ["anonymous_id", `old-${i}`],
        ],
        { occurredAt: T - 30 * day },
      ),
    );
    const recent = Array.from({ length: 6 }, (_, i) =>
      event(
        ws,
        `new${i}`,
        [
          ["user_id", "u1"],
          ["anonymous_id", `new-${i}`],
        ],
        { occurredAt: T + i },
      ),
    );
    await apply(ws, [...old, ...recent]);
    const groups = await grouping(ws);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.filter((i) => i.startsWith("anonymous_id:new"))).toHaveLength(5);
    expect(groups[0]!.filter((i) => i.startsWith("anonymous_id:old"))).toHaveLength(5);
  });

  it("applies a rules change to events processed after it, not to earlier ones", async () => {
    const ws = freshWorkspace();
    await apply(ws, [
      event(ws, "k1", [
        ["crm_id", "c1"],
        ["email", "e@x.io"],
      ]),
    ]);
    await apply(ws, [
      event(ws, "k2", [
        ["crm_id", "c2"],
        ["email", "e@x.io"],
      ]),
    ]);
    await setRules(ws, {
      identifierTypes: [
        { type: "crm_id", priority: 2 },
        { type: "email", priority: 3 },
      ],
    });
    await apply(ws, [
      event(ws, "k3", [
        ["crm_id", "c3"],
        ["email", "e@x.io"],
      ]),
    ]);
    expect(await grouping(ws)).toEqual([["crm_id:c1", "crm_id:c3", "email:e@x.io"], ["crm_id:c2"]]);
    const merges = await adminJson<{ data: MergeView[] }>(
      `/v1/admin/profiles/${(await adminJson<ProfileView>(`/v1/admin/profiles?workspace=${ws}&identifier=crm_id:c1`)).id}/merges`,
    );
    expect(merges.data).toEqual([]);
  });

  it("refuses merges past the workspace's merge cap and flags them", async () => {
    const ws = freshWorkspace();
    await setRules(ws, { maxMergesPerProfile: 1 });
    await apply(ws, [event(ws, "k1", [["device_id", "d1"]]), event(ws, "k2", [["device_id", "d2"]])]);
    await apply(ws, [
      event(ws, "k3", [
        ["device_id", "d1"],
        ["device_id", "d2"],
      ]),
    ]);
    await apply(ws, [
      event(ws, "k4", [["device_id", "d3"]]),
      event(ws, "k5", [
        ["device_id", "d1"],
        ["device_id", "d3"],
      ]),
    ]);
    expect(await grouping(ws)).toEqual([["device_id:d1", "device_id:d2"], ["device_id:d3"]]);
    const flags = await adminJson<{ data: IdentityFlag[] }>(
      `/v1/admin/workspaces/${ws}/identity-flags?kind=merge_refused`,
    );
    expect(flags.data).toMatchObject([{ rule: "max_merges", identifier: { value: "d3" } }]);
  });

  it("C13 quarantines a value that would link more than N profiles, and an operator can release it", async () => {
    const ws = freshWorkspace();
    await setRules(ws, { quarantineThreshold: 3 });
    for (let i = 1; i <= 5; i++)
      await apply(ws, [
        event(ws, `k${i}`, [
          ["crm_id", `crm_${i}`],
          ["email", "frontdesk@hotel.io"],
        ]),
      ]);
    expect(await liveProfileCount(ws)).toBe(5);
    const quarantine = await adminJson<{ data: QuarantineEntry[] }>(`/v1/admin/workspaces/${ws}/quarantine`);
    expect(quarantine.data).toMatchObject([
      { type: "email", value: "frontdesk@hotel.io", linkedProfiles: 4 },
    ]);
    const flags = await adminJson<{ data: IdentityFlag[] }>(
      `/v1/admin/workspaces/${ws}/identity-flags?kind=quarantined`,
    );
    expect(flags.data).toHaveLength(1);
    // Quarantined: a device event carrying it no longer lands on its owner.
    await apply(ws, [
      event(ws, "k6", [
        ["device_id", "kiosk"],
        ["email", "frontdesk@hotel.io"],
      ]),
    ]);
    expect(await grouping(ws)).toContainEqual(["device_id:kiosk"]);

    const released = await adminJsonDelete(
      `/v1/admin/workspaces/${ws}/quarantine?identifier=email:frontdesk@hotel.io`,
    );
    expect(released).toBe(204);
    await apply(ws, [
      event(ws, "k7", [
        ["device_id", "lobby"],
        ["email", "frontdesk@hotel.io"],
      ]),
    ]);
    expect(await grouping(ws)).toContainEqual([
      "crm_id:crm_1",
      "device_id:lobby",
      "email:frontdesk@hotel.io",
    ]);
  });

  it("resolves long runs in chunks with the same outcome as one by one", async () => {
    const one = freshWorkspace();
    const many = freshWorkspace();
    const build = (ws: string) =>
      Array.from({ length: 55 }, (_, i) =>
        event(
          ws,
          `k${i}`,
          [
            ["device_id", `d${i % 13}`],
            ["email", `u${(i * 7) % 11}@x.io`],
          ],
          { traits: { n: i } },
        ),
      );
    await apply(many, build(many));
    for (const e of build(one)) await apply(one, [e]);
    expect(await grouping(many)).toEqual(await grouping(one));
  });

  it("C15 reads national phone numbers in the source's default region", async () => {
    const ws = freshWorkspace();
    await apply(ws, [
      event(ws, "k1", [["phone", "0161 496 0000"]], { defaultRegion: "GB" }),
      event(ws, "k2", [["phone", "+44 (0)161 496 0000"]]),
      event(ws, "k3", [["phone", "44 0161 496 0000"]], { defaultRegion: "GB" }),
    ]);
    expect(await grouping(ws)).toEqual([["phone:+441614960000"]]);
    const found = await adminJson<ProfileView>(
      `/v1/admin/profiles?workspace=${ws}&identifier=${encodeURIComponent("phone:0161 496 0000")}&region=GB`,
    );
    expect(found.identifierDetails).toMatchObject([{ value: "+441614960000", rawValue: "0161 496 0000" }]);
  });
});

async function adminJsonDelete(path: string): Promise<number> {
  const { admin } = await import("../support/gateway");
  return (await admin(path, { method: "DELETE" })).status;
}

describe("identifier first and last seen", () => {
  it("are both event times: the earliest and latest event that carried it, whatever the arrival order", async () => {
    const ws = freshWorkspace();
    const day = 86_400_000;
    await apply(ws, [event(ws, "k1", [["email", "seen@x.io"]], { occurredAt: T - 2 * day })]);
    await apply(ws, [event(ws, "k2", [["email", "seen@x.io"]], { occurredAt: T - 5 * day })]);
    await apply(ws, [event(ws, "k3", [["email", "seen@x.io"]], { occurredAt: T - 1 * day })]);
    const found = await adminJson<ProfileView>(
      `/v1/admin/profiles?workspace=${ws}&identifier=email:seen@x.io`,
    );
    expect(found.identifierDetails).toMatchObject([
      {
        value: "seen@x.io",
        firstSeenAt: new Date(T - 5 * day).toISOString(),
        lastSeenAt: new Date(T - 1 * day).toISOString(),
      },
    ]);
  });
});
