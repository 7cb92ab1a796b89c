import { describe, expect, it } from "vitest";
import type { ProfileGraphView } from "../../src/routes/admin/get-profile-graph";
import type { IdentityFlagList } from "../../src/routes/admin/identity-schemas";
import type { EventList } from "../../src/routes/admin/list-profile-events";
import type { Profile } from "../../src/routes/admin/profile-schemas";
import type { ProfileSearchResult } from "../../src/routes/admin/search-profiles";
import { admin } from "../support/gateway";
import { adminJson, apply, event, freshWorkspace, T } from "./helpers";

function search(ws: string, query: Record<string, string>) {
  return adminJson<ProfileSearchResult>(`/v1/admin/workspaces/${ws}/profiles?${new URLSearchParams(query)}`);
}

/** Every page of a search, following nextCursor. */
async function allPages(ws: string, query: Record<string, string>): Promise<ProfileSearchResult["data"]> {
  const out: ProfileSearchResult["data"] = [];
  let cursor: string | null = null;
  do {
    const page: ProfileSearchResult = await search(ws, { ...query, ...(cursor ? { cursor } : {}) });
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe("profile search", () => {
  it("finds a profile by any identifier, typed or not, spelled as the operator writes it", async () => {
    const ws = freshWorkspace();
    const [jane] = await apply(ws, [
      event(ws, "k1", [
        ["email", "Jane.Doe@Example.com"],
        ["crm_id", "CRM-77"],
        ["phone", "+44 161 496 0000"],
      ]),
    ]);
    await apply(ws, [event(ws, "k2", [["email", "someone@else.io"]])]);
    const id = jane!.profileId;
    for (const query of <Record<string, string>[]>[
      { type: "email", value: "  JANE.doe@example.COM " },
      { value: "jane.doe@EXAMPLE.com" },
      { value: "CRM-77" },
      { type: "crm_id", value: "CRM-77" },
      { type: "phone", value: "0161 496 0000", region: "GB" },
      { value: "+441614960000" },
    ]) {
      const result = await search(ws, query);
      expect(
        result.data.map((m) => m.profile.id),
        JSON.stringify(query),
      ).toEqual([id]);
    }
    const [match] = (await search(ws, { value: "CRM-77" })).data;
    expect(match).toMatchObject({
      matched: { type: "crm_id", value: "CRM-77" },
      profile: {
        identifierCount: 3,
        identifiers: expect.arrayContaining([{ type: "crm_id", value: "CRM-77" }]),
      },
    });
    // Text ids keep their case: another spelling is another id.
    expect((await search(ws, { type: "crm_id", value: "crm-77" })).data).toEqual([]);
    expect((await search(ws, { value: "nobody@example.com" })).data).toEqual([]);
  });

  it("matches prefixes in identifier order and pages through them without repeats", async () => {
    const ws = freshWorkspace();
    const applied = await apply(
      ws,
      ["ann", "anna", "annabel", "bob"].map((name, i) =>
        event(ws, `k${i}`, [
          ["email", `${name}@prefix.io`],
          ["user_id", `${name}-id`],
        ]),
      ),
    );
    const byName = Object.fromEntries(
      ["ann", "anna", "annabel", "bob"].map((n, i) => [n, applied[i]!.profileId]),
    );
    const typed = await allPages(ws, { type: "email", value: "ANN", match: "prefix", limit: "1" });
    expect(typed.map((m) => m.matched?.value)).toEqual([
      "ann@prefix.io",
      "anna@prefix.io",
      "annabel@prefix.io",
    ]);
    // Any type: both identifiers of each profile match, each listed with its profile.
    const anyType = await allPages(ws, { value: "anna", match: "prefix", limit: "2" });
    expect(anyType.map((m) => `${m.matched?.type}:${m.matched?.value}`)).toEqual([
      "user_id:anna-id",
      "email:anna@prefix.io",
      "user_id:annabel-id",
      "email:annabel@prefix.io",
    ]);
    expect(new Set(anyType.map((m) => m.profile.id))).toEqual(new Set([byName.anna, byName.annabel]));
  });

  it("lists live profiles newest first when no value is given, leaving merged ones out", async () => {
    const ws = freshWorkspace();
    const [a] = await apply(ws, [event(ws, "a", [["email", "a@list.io"]])]);
    const [b] = await apply(ws, [event(ws, "b", [["device_id", "dev-b"]])]);
    const [c] = await apply(ws, [event(ws, "c", [["email", "c@list.io"]])]);
    // Links b and c: one of them is merged away.
    const [bc] = await apply(ws, [
      event(ws, "bc", [
        ["email", "c@list.io"],
        ["device_id", "dev-b"],
      ]),
    ]);
    const listed = await allPages(ws, { limit: "1" });
    const ids = listed.map((m) => m.profile.id);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(a!.profileId);
    expect(ids).toContain(bc!.profileId);
    expect([b!.profileId, c!.profileId]).toContain(bc!.profileId);
    expect(listed.every((m) => m.matched === null)).toBe(true);
    const survivor = listed.find((m) => m.profile.identifierCount === 2);
    expect(survivor?.profile.identifiers).toEqual([
      { type: "device_id", value: "dev-b" },
      { type: "email", value: "c@list.io" },
    ]);
  });

  it("refuses a forged cursor and a bad type with 400 problems, and needs the admin token", async () => {
    for (const path of [
      "/v1/admin/workspaces/default/profiles?cursor=not-a-cursor",
      "/v1/admin/workspaces/default/profiles?type=e%20mail&value=x",
      "/v1/admin/workspaces/default/profiles?match=fuzzy&value=x",
      "/v1/admin/profiles/prf_x/events?cursor=WyJ4IiwieCJd",
    ]) {
      const response = await admin(path);
      expect(response.status, path).toBe(path.includes("prf_x") ? 404 : 400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    for (const path of ["/v1/admin/workspaces/default/profiles", "/v1/admin/profiles/prf_x/graph"])
      for (const token of [null, "wrong-token"]) expect((await admin(path, { token })).status).toBe(401);
    expect((await admin("/v1/admin/profiles/prf_unknown/graph")).status).toBe(404);
  });
});

describe("profile page data", () => {
  it("draws the identity graph: identifiers, merged profiles and why each merge happened", async () => {
    const ws = freshWorkspace();
    const [first] = await apply(ws, [event(ws, "k1", [["device_id", "dev-g"]])]);
    const [second] = await apply(ws, [event(ws, "k2", [["email", "g@graph.io"]])]);
    const [link] = await apply(ws, [
      event(ws, "k3", [
        ["email", "g@graph.io"],
        ["device_id", "dev-g"],
      ]),
    ]);
    const graph = await adminJson<ProfileGraphView>(`/v1/admin/profiles/${first!.profileId}/graph`);
    const live = link!.profileId;
    const merged = [first!.profileId, second!.profileId].find((id) => id !== live)!;
    expect(graph.profileId).toBe(live);
    expect(graph.nodes.map((n) => `${n.kind} ${n.label}`).sort()).toEqual(
      [
        `profile ${live}`,
        `merged_profile ${merged}`,
        "identifier device_id:dev-g",
        "identifier email:g@graph.io",
      ].sort(),
    );
    const mergeEdge = graph.edges.find((e) => e.kind === "merged_into");
    expect(mergeEdge).toMatchObject({
      from: merged,
      to: live,
      merge: { rule: expect.stringMatching(/^shared_identifier@v/) },
    });
    expect(graph.nodes.map((n) => n.id)).toContain(mergeEdge && "via" in mergeEdge ? mergeEdge.via : "");
    expect(graph.edges.filter((e) => e.kind === "has_identifier")).toHaveLength(2);
    expect(graph.omittedIdentifiers).toBe(0);
  });

  it("pages a profile's events newest first and says which delivery set each trait", async () => {
    const ws = freshWorkspace();
    const [one] = await apply(
      ws,
      [0, 1, 2].map((i) =>
        event(ws, `e${i}`, [["email", "pages@events.io"]], {
          occurredAt: T + i * 1000,
          traits: { plan: `p${i}` },
          deliveryId: `dlv_page_${i}`,
        }),
      ),
    );
    const first = await adminJson<EventList>(`/v1/admin/profiles/${one!.profileId}/events?limit=2`);
    expect(first.data.map((e) => e.deliveryId)).toEqual(["dlv_page_2", "dlv_page_1"]);
    const rest = await adminJson<EventList>(
      `/v1/admin/profiles/${one!.profileId}/events?limit=2&cursor=${first.nextCursor}`,
    );
    expect(rest.data.map((e) => e.deliveryId)).toEqual(["dlv_page_0"]);
    expect(rest.nextCursor).toBeNull();
    const profile = await adminJson<Profile>(`/v1/admin/profiles/${one!.profileId}`);
    expect(profile.traitOrigins.plan).toMatchObject({ deliveryId: "dlv_page_2", eventType: "test.event" });
  });

  it("pages review flags newest first", async () => {
    const ws = freshWorkspace();
    await apply(ws, [
      event(ws, "k0", [
        ["crm_id", "crm_0"],
        ["email", "shared@flags.io"],
      ]),
    ]);
    for (const i of [1, 2, 3])
      await apply(ws, [
        event(ws, `k${i}`, [
          ["crm_id", `crm_${i}`],
          ["email", "shared@flags.io"],
        ]),
      ]);
    const first = await adminJson<IdentityFlagList>(`/v1/admin/workspaces/${ws}/identity-flags?limit=2`);
    expect(first.data).toHaveLength(2);
    const rest = await adminJson<IdentityFlagList>(
      `/v1/admin/workspaces/${ws}/identity-flags?limit=2&cursor=${first.nextCursor}`,
    );
    expect(rest.nextCursor).toBeNull();
    const ids = [...first.data, ...rest.data].map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3);
  });
});
