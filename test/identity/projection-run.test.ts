import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type EventChange, projectionStatements, versionGuard } from "../../src/identity/projection";
import { isPlainEvent, runStatements } from "../../src/identity/projection-run";
import { resolverFor } from "../../src/identity/resolver";
import { DERIVED_STATE_LIST } from "../../src/pipeline/derived-state";
import { apply, event, freshWorkspace } from "./helpers";

const T = Date.UTC(2026, 0, 1);

/** A plain event change (no merge) as the resolver would record it. */
function change(
  workspace: string,
  key: string,
  profileId: string,
  options: Partial<Omit<EventChange, "kind" | "event" | "eventRowId" | "profileId" | "traits">> & {
    occurredAt?: number;
    traits?: Record<string, unknown>;
  } = {},
): EventChange {
  const traits = options.traits ?? {};
  return {
    kind: "event",
    event: event(workspace, key, [], { occurredAt: options.occurredAt ?? T, traits }),
    eventRowId: `evt_${workspace}_${key}`,
    profileId,
    created: options.created ?? false,
    merges: [],
    rule: "shared_identifier@v1",
    fresh: options.fresh ?? [],
    owned: options.owned ?? [],
    links: options.links ?? null,
    traits: Object.entries(traits).map(([name, value]) => [name, JSON.stringify(value)]),
    warnings: options.warnings ?? [],
    flags: options.flags ?? [],
    quarantined: options.quarantined ?? [],
    at: options.at ?? T + 1000,
  };
}

const email = (value: string) => ({
  type: "email",
  value,
  raw: value.toUpperCase(),
  key: `email\u0000${value}`,
  priority: 1,
});

/** A run exercising every kind of row: new and returning profiles, out-of-order times, links, flags, quarantine. */
function scenario(ws: string): EventChange[] {
  const [p1, p2] = [`prf_${ws}_1`, `prf_${ws}_2`];
  return [
    change(ws, "k1", p1, {
      created: true,
      fresh: [email("a@x.io")],
      traits: { plan: "free", n: 1 },
      at: T + 10,
    }),
    change(ws, "k2", p2, {
      created: true,
      fresh: [email("b@x.io"), email("c@x.io")],
      occurredAt: T + 50,
      at: T + 11,
    }),
    change(ws, "k3", p1, {
      owned: [email("a@x.io")],
      occurredAt: T - 500,
      traits: { plan: "old", extra: true },
      warnings: ["w"],
      at: T + 12,
    }),
    change(ws, "k4", p1, {
      owned: [email("a@x.io")],
      fresh: [email("d@x.io")],
      occurredAt: T + 900,
      traits: { plan: "pro" },
      links: { identifiers: [email("a@x.io"), email("a@x.io")], delta: 1 },
      flags: [
        {
          kind: "merge_refused",
          identifier: email("a@x.io"),
          profileIds: [p1, p2],
          rule: "r",
          detail: "limit",
        },
      ],
      at: T + 13,
    }),
    change(ws, "k5", p2, {
      owned: [email("b@x.io")],
      occurredAt: T + 20,
      links: { identifiers: [email("a@x.io")], delta: 2 },
      quarantined: [{ identifier: email("c@x.io"), linkedProfiles: 3 }],
      at: T + 14,
    }),
    change(ws, "k6", p2, {
      owned: [email("c@x.io")],
      quarantined: [{ identifier: email("c@x.io"), linkedProfiles: 9 }],
      at: T + 15,
    }),
  ];
}

/** Everything the projection wrote for `ws`, flag ids left out (fresh ids each time). */
async function projected(ws: string): Promise<Record<string, unknown[]>> {
  const all = async (sql: string) => (await env.DB.prepare(sql).bind(ws).all()).results;
  return {
    events: await all("SELECT * FROM events WHERE workspace = ? ORDER BY id"),
    profiles: await all("SELECT * FROM profiles WHERE workspace = ? ORDER BY id"),
    identifiers: await all("SELECT * FROM identifiers WHERE workspace = ? ORDER BY type, value"),
    traits: await all(
      "SELECT * FROM traits WHERE profile_id IN (SELECT id FROM profiles WHERE workspace = ?) ORDER BY profile_id, name",
    ),
    flags: await all(
      `SELECT kind, identifier_type, identifier_value, profile_ids, event_id, rule, detail, created_at
       FROM identity_flags WHERE workspace = ? ORDER BY event_id, kind`,
    ),
    quarantine: await all("SELECT * FROM identifier_quarantine WHERE workspace = ? ORDER BY type, value"),
    contributions: await all(
      "SELECT * FROM indicator_contributions WHERE event_id IN (SELECT id FROM events WHERE workspace = ?)",
    ),
  };
}

async function erase(ws: string): Promise<void> {
  await env.DB.batch(
    [
      "DELETE FROM traits WHERE profile_id IN (SELECT id FROM profiles WHERE workspace = ?)",
      "DELETE FROM events WHERE workspace = ?",
      "DELETE FROM profiles WHERE workspace = ?",
      "DELETE FROM identifiers WHERE workspace = ?",
      "DELETE FROM identity_flags WHERE workspace = ?",
      "DELETE FROM identifier_quarantine WHERE workspace = ?",
      "DELETE FROM identity_projection WHERE workspace = ?",
    ].map((sql) => env.DB.prepare(sql).bind(ws)),
  );
}

describe("projection of a run of plain events as multi-row statements", () => {
  it("writes exactly what projecting the same events one by one writes", async () => {
    const ws = freshWorkspace("run");
    const changes = scenario(ws);
    const oneByOne = [];
    for (const c of changes)
      oneByOne.push(...(await projectionStatements(env.DB, ws, c, DERIVED_STATE_LIST)));
    await env.DB.batch(oneByOne);
    const expected = await projected(ws);
    expect(expected.events).toHaveLength(6);

    await erase(ws);
    const run = await runStatements(env.DB, ws, changes, DERIVED_STATE_LIST);
    expect(run.length).toBeLessThan(oneByOne.length / 3);
    await env.DB.batch(run);
    expect(await projected(ws)).toEqual(expected);
  });

  it("projects 200 events that merge nothing in one D1 batch, and a merge among them in its own share", async () => {
    const ws = freshWorkspace("run-batch");
    const resolver = resolverFor(env, ws);
    const fresh = Array.from({ length: 200 }, (_, i) => event(ws, `n${i}`, [["email", `n${i}@x.io`]]));
    await resolver.apply(fresh);
    await resolver.awaitProjection();
    const before = await resolver.stats();
    expect(before.projectionEntries).toBe(200);
    expect(before.projectionBatches).toBe(1);

    // 100 more, the 50th linking two existing profiles (a merge): weighted 4, it still fits in one batch.
    const more = Array.from({ length: 100 }, (_, i) =>
      i === 49
        ? event(ws, "link", [
            ["email", "n0@x.io"],
            ["email", "n1@x.io"],
          ])
        : event(ws, `m${i}`, [["email", `m${i}@x.io`]]),
    );
    const results = await resolver.apply(more);
    expect(results[49]!.merged).toHaveLength(1);
    await resolver.awaitProjection();
    const after = await resolver.stats();
    expect(after.projectionEntries - before.projectionEntries).toBe(100);
    expect(after.projectionBatches - before.projectionBatches).toBe(1);
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE workspace = ?")
      .bind(ws)
      .first<{ n: number }>())!;
    expect(n).toBe(300);
  });

  it("a projection batch sent again (its answer lost) fails on the version guard and changes nothing", async () => {
    const ws = freshWorkspace("run-dup");
    const changes = scenario(ws);
    const batch = async () => [
      ...versionGuard(env.DB, ws, 1, changes.length, T),
      ...(await runStatements(env.DB, ws, changes, DERIVED_STATE_LIST)),
    ];
    await env.DB.batch(await batch());
    const once = await projected(ws);
    await expect(env.DB.batch(await batch())).rejects.toThrow(/malformed JSON/);
    expect(await projected(ws)).toEqual(once);
  });

  it("leaves an event whose JSON would pass D1's 2,000,000-byte bound-value limit once escaped twice out of runs", () => {
    const ws = freshWorkspace("run-big");
    const big = change(ws, "big", "prf_big");
    big.event = { ...big.event, properties: { note: '"'.repeat(600_000) } };
    expect(isPlainEvent(change(ws, "small", "prf_small"))).toBe(true);
    expect(isPlainEvent(big)).toBe(false);
  });

  it("projects such an event whole, statement by statement, between the runs around it", async () => {
    const ws = freshWorkspace("run-big");
    // 600,000 quotes: 1.2 MB as the event's own JSON, 2.4 MB once a run binds it as JSON inside JSON.
    const quotes = '"'.repeat(600_000);
    const stored = await apply(ws, [
      event(ws, "small-1", [["email", "a@x.io"]]),
      { ...event(ws, "big", [["email", "b@x.io"]]), properties: { note: quotes } },
      event(ws, "small-2", [["email", "c@x.io"]]),
    ]);
    expect(stored.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
    const row = await env.DB.prepare(
      "SELECT properties FROM events WHERE workspace = ? AND event_key = 'big'",
    )
      .bind(ws)
      .first<{ properties: string }>();
    expect(JSON.parse(row!.properties).note).toBe(quotes);
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE workspace = ?")
      .bind(ws)
      .first<{ n: number }>())!;
    expect(n).toBe(3);
  });
});

/** A D1 database that records each statement's text and bindings as it is prepared and bound. */
function recordingDb(db: D1Database, recorded: { sql: string; params: unknown[] }[]): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== "prepare") return Reflect.get(target, prop, target);
      return (sql: string) => {
        const statement = target.prepare(sql);
        return new Proxy(statement, {
          get(s, p) {
            if (p !== "bind") return Reflect.get(s, p, s);
            return (...params: unknown[]) => {
              recorded.push({ sql, params });
              return s.bind(...params);
            };
          },
        });
      };
    },
  });
}

describe("the projection's statements stay indexed as the workspace grows", () => {
  it("a run of returning customers finds each identifier and profile by its key, never by workspace alone", async () => {
    const ws = freshWorkspace("run-plan");
    // Enough rows that a plan searching "workspace = ?" alone would read many of them.
    await env.DB.batch(await runStatements(env.DB, ws, scenario(ws), DERIVED_STATE_LIST));
    const recorded: { sql: string; params: unknown[] }[] = [];
    await runStatements(recordingDb(env.DB, recorded), ws, scenario(ws).slice(2), DERIVED_STATE_LIST);
    const writes = recorded.filter((r) => /^\s*(INSERT|UPDATE|DELETE)/i.test(r.sql));
    // The run exercised what this test is about: seen windows, link counts, touched profiles.
    expect(writes.some((r) => /last_seen_at = max/.test(r.sql))).toBe(true);
    expect(writes.some((r) => /link_count = link_count \+/.test(r.sql))).toBe(true);
    expect(writes.some((r) => /profiles[\s\S]*SET updated_at/.test(r.sql))).toBe(true);

    const offending: string[] = [];
    for (const { sql, params } of writes) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      // Any scan but of the bound JSON list (aliased `j`, or unaliased), whatever alias names the table.
      for (const { detail } of results)
        if (/^SCAN (?!j\b|json_each\b)\w+|\(workspace=\?\)$/.test(detail.trim()))
          offending.push(`${detail}  ←  ${sql.replace(/\s+/g, " ").slice(0, 100)}`);
    }
    expect(offending).toEqual([]);
  });
});
