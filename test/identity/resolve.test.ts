import { describe, expect, it } from "vitest";
import {
  type Candidate,
  type GraphView,
  type ProfileFacts,
  type ResolveRules,
  resolve,
} from "../../src/identity/resolve";

const DAY = 86_400_000;
const RULES: ResolveRules = {
  quarantineThreshold: 25,
  maxIdentifiersPerProfile: 1000,
  maxMergesPerProfile: 100,
  limitedTypes: [
    { type: "user_id", priority: 1, limit: { count: 1 } },
    { type: "crm_id", priority: 2, limit: { count: 1 } },
    { type: "email", priority: 3, limit: { count: 5 } },
    { type: "anonymous_id", priority: 6, limit: { count: 2, windowSeconds: 7 * 86_400 } },
  ],
};
const PRIORITY: Record<string, number> = {
  user_id: 1,
  crm_id: 2,
  email: 3,
  phone: 4,
  device_id: 5,
  anonymous_id: 6,
};

function id(type: string, value: string): Candidate {
  return { type, value, raw: value, key: `${type}\u0000${value}`, priority: PRIORITY[type] ?? 1000 };
}

/** A small in-memory graph: profiles with identifiers (value → last seen). */
function graph(
  profiles: Record<string, { createdAt: number; mergeCount?: number; ids: [string, string, number?][] }>,
  extra: { links?: Record<string, number>; quarantined?: string[] } = {},
): GraphView {
  const owners = new Map<string, string>();
  const facts = new Map<string, ProfileFacts>();
  for (const [pid, p] of Object.entries(profiles)) {
    const limited = new Map<string, Map<string, number>>();
    for (const [type, value, seen] of p.ids) {
      owners.set(`${type}\u0000${value}`, pid);
      if (RULES.limitedTypes.some((t) => t.type === type)) {
        const m = limited.get(type) ?? new Map<string, number>();
        m.set(value, seen ?? 0);
        limited.set(type, m);
      }
    }
    facts.set(pid, {
      id: pid,
      createdAt: p.createdAt,
      mergeCount: p.mergeCount ?? 0,
      identifierCount: p.ids.length,
      limited,
    });
  }
  return {
    owner: (key) => owners.get(key),
    profile: (pid) => facts.get(pid)!,
    linkCount: (key) => extra.links?.[key] ?? 0,
    isQuarantined: (key) => extra.quarantined?.includes(key) ?? false,
  };
}

describe("resolve (Segment-style merge protection)", () => {
  it("creates a profile when nothing matches and adds to the one that matches", () => {
    const g = graph({ p1: { createdAt: 1, ids: [["email", "a@x.io"]] } });
    expect(resolve([id("device_id", "d1")], g, RULES, 0)).toMatchObject({ profileId: null, merges: [] });
    const r = resolve([id("email", "a@x.io"), id("device_id", "d1")], g, RULES, 0);
    expect(r.profileId).toBe("p1");
    expect(r.fresh.map((c) => c.value)).toEqual(["d1"]);
  });

  it("merges into the oldest profile, then the lowest id", () => {
    const g = graph({
      p_b: { createdAt: 5, ids: [["device_id", "d1"]] },
      p_c: { createdAt: 2, ids: [["device_id", "d2"]] },
      p_a: { createdAt: 2, ids: [["device_id", "d3"]] },
    });
    const r = resolve([id("device_id", "d1"), id("device_id", "d2"), id("device_id", "d3")], g, RULES, 0);
    expect(r.profileId).toBe("p_a");
    expect(r.merges.map((m) => [m.profileId, m.via.value])).toEqual([
      ["p_c", "d2"],
      ["p_b", "d1"],
    ]);
  });

  it("drops the weakest conflicting identifier instead of joining two crm_ids", () => {
    const g = graph({
      p1: {
        createdAt: 1,
        ids: [
          ["crm_id", "crm_1"],
          ["email", "shared@x.io"],
        ],
      },
    });
    const r = resolve(
      [id("crm_id", "crm_2"), id("email", "shared@x.io"), id("device_id", "d9")],
      g,
      RULES,
      0,
    );
    expect(r.profileId).toBeNull();
    expect(r.fresh.map((c) => c.value).sort()).toEqual(["crm_2", "d9"]);
    expect(r.dropped).toMatchObject([
      { identifier: { value: "shared@x.io" }, rule: "limit:crm_id", mergeRefused: false },
    ]);
  });

  it("refuses a merge that would join two user_ids through identifiers of other types", () => {
    const g = graph({
      p1: {
        createdAt: 1,
        ids: [
          ["user_id", "u1"],
          ["email", "a@x.io"],
        ],
      },
      p2: {
        createdAt: 2,
        ids: [
          ["user_id", "u2"],
          ["phone", "+15005550006"],
        ],
      },
    });
    const r = resolve([id("email", "a@x.io"), id("phone", "+15005550006")], g, RULES, 0);
    expect(r.profileId).toBe("p1");
    expect(r.merges).toEqual([]);
    expect(r.dropped.map((d) => [d.identifier.type, d.rule])).toEqual([["phone", "limit:user_id"]]);
  });

  it("does not punish a profile already over a limit that was tightened later", () => {
    const g = graph({
      p1: {
        createdAt: 1,
        ids: [
          ["user_id", "u1"],
          ["user_id", "u2"],
        ],
      },
    });
    expect(resolve([id("user_id", "u1")], g, RULES, 0)).toMatchObject({ profileId: "p1", dropped: [] });
  });

  it("lets an event without values of a limited type reach a profile already over that type's limit", () => {
    const g = graph({
      p1: {
        createdAt: 1,
        ids: [
          ["user_id", "u1"],
          ["user_id", "u2"],
          ["email", "a@x.io"],
        ],
      },
    });
    const r = resolve([id("email", "a@x.io"), id("device_id", "d1")], g, RULES, 0);
    expect(r).toMatchObject({ profileId: "p1", dropped: [] });
    expect(r.fresh.map((c) => c.value)).toEqual(["d1"]);
  });

  it("keeps one value of a limit-1 type on a new customer that brings two", () => {
    const r = resolve([id("user_id", "u1"), id("user_id", "u2"), id("email", "a@x.io")], graph({}), RULES, 0);
    expect(r.profileId).toBeNull();
    expect(r.fresh.map((c) => c.value).sort()).toEqual(["a@x.io", "u1"]);
    expect(r.dropped.map((d) => [d.identifier.value, d.rule])).toEqual([["u2", "limit:user_id"]]);
  });

  it("counts windowed limits by event time only", () => {
    const now = 100 * DAY;
    const g = graph({
      p1: {
        createdAt: 1,
        ids: [
          ["user_id", "u1"],
          ["anonymous_id", "old", now - 30 * DAY],
          ["anonymous_id", "a1", now - DAY],
        ],
      },
    });
    // old is outside the week: a1 + a2 = 2 ≤ 2.
    expect(resolve([id("user_id", "u1"), id("anonymous_id", "a2")], g, RULES, now).dropped).toEqual([]);
    const crowded = graph({
      p1: {
        createdAt: 1,
        ids: [
          ["user_id", "u1"],
          ["anonymous_id", "a0", now - DAY],
          ["anonymous_id", "a1", now - DAY],
        ],
      },
    });
    const r = resolve([id("user_id", "u1"), id("anonymous_id", "a2")], crowded, RULES, now);
    expect(r.profileId).toBe("p1");
    expect(r.dropped.map((d) => [d.identifier.value, d.rule])).toEqual([["a2", "limit:anonymous_id"]]);
  });

  it("refuses merges past the merge cap and flags them as refused", () => {
    const g = graph({
      p1: { createdAt: 1, mergeCount: 100, ids: [["device_id", "d1"]] },
      p2: { createdAt: 2, ids: [["device_id", "d2"]] },
    });
    const r = resolve([id("device_id", "d1"), id("device_id", "d2")], g, RULES, 0);
    expect(r.merges).toEqual([]);
    expect(r.dropped).toMatchObject([
      { rule: "max_merges", mergeRefused: true, identifier: { value: "d2" } },
    ]);
  });

  it("refuses identifiers past the identifier cap", () => {
    const g = graph({ p1: { createdAt: 1, ids: [["device_id", "d1"]] } });
    const r = resolve(
      [id("device_id", "d1"), id("device_id", "d2")],
      g,
      { ...RULES, maxIdentifiersPerProfile: 1 },
      0,
    );
    expect(r).toMatchObject({ profileId: "p1", fresh: [] });
    expect(r.dropped).toMatchObject([{ rule: "max_identifiers", identifier: { value: "d2" } }]);
  });

  it("C13 quarantines a value once it would link more profiles than the threshold", () => {
    const g = graph(
      {
        p1: {
          createdAt: 1,
          ids: [
            ["crm_id", "crm_1"],
            ["email", "shared@x.io"],
          ],
        },
      },
      { links: { "email\u0000shared@x.io": 2 } },
    );
    const rules = { ...RULES, quarantineThreshold: 3 };
    const r = resolve([id("crm_id", "crm_4"), id("email", "shared@x.io")], g, rules, 0);
    expect(r.profileId).toBeNull();
    expect(r.quarantined).toMatchObject([
      { identifier: { value: "shared@x.io" }, linkedProfiles: 4, profiles: ["p1"] },
    ]);
    expect(r.links).toEqual([]);
  });

  it("skips values already quarantined", () => {
    const g = graph(
      { p1: { createdAt: 1, ids: [["email", "shared@x.io"]] } },
      { quarantined: ["email\u0000shared@x.io"] },
    );
    const r = resolve([id("email", "shared@x.io"), id("device_id", "d1")], g, RULES, 0);
    expect(r).toMatchObject({ profileId: null, skipped: [{ value: "shared@x.io" }] });
  });

  it("gives the same answer whatever order the identifiers come in", () => {
    const g = graph({
      p1: {
        createdAt: 1,
        ids: [
          ["user_id", "u1"],
          ["email", "a@x.io"],
        ],
      },
      p2: {
        createdAt: 2,
        ids: [
          ["user_id", "u2"],
          ["phone", "+15005550006"],
        ],
      },
      p3: { createdAt: 3, ids: [["device_id", "d3"]] },
    });
    const ids = [
      id("email", "a@x.io"),
      id("phone", "+15005550006"),
      id("device_id", "d3"),
      id("crm_id", "c1"),
    ];
    const a = resolve(ids, g, RULES, 0);
    const b = resolve([...ids].reverse(), g, RULES, 0);
    expect(b).toEqual(a);
  });
});
