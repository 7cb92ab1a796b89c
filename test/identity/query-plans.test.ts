import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApplyResult } from "../../src/identity/graph";
import { resolverFor } from "../../src/identity/resolver";
import { testEnv } from "../pipeline/harness";
import { apply, event, freshWorkspace } from "./helpers";

/** One `sql.exec` call the resolver made: its text and bindings. */
interface Recorded {
  query: string;
  bindings: unknown[];
}

/**
 * Records every statement the workspace's resolver runs on its own SQLite while `during` runs, by
 * wrapping `ctx.storage.sql.exec` of the live object (the graph holds the same `SqlStorage`).
 */
async function recordStatements(workspace: string, during: () => Promise<unknown>): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  const stub = resolverFor(testEnv(), workspace);
  let original: SqlStorage["exec"] | undefined;
  await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    original = sql.exec.bind(sql);
    const exec = original;
    (sql as { exec: SqlStorage["exec"] }).exec = ((query: string, ...bindings: unknown[]) => {
      recorded.push({ query, bindings });
      return exec(query, ...bindings);
    }) as SqlStorage["exec"];
  });
  try {
    await during();
  } finally {
    await runInDurableObject(stub, (_instance, state) => {
      (state.storage.sql as { exec: SqlStorage["exec"] }).exec = original!;
    });
  }
  return recorded;
}

/** The plan lines SQLite gives for `statement`, run with its own bindings inside the object. */
async function planOf(workspace: string, statement: Recorded): Promise<string[]> {
  return runInDurableObject(resolverFor(testEnv(), workspace), (_instance, state) =>
    state.storage.sql
      .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement.query}`, ...statement.bindings)
      .toArray()
      .map((r) => r.detail),
  );
}

describe("the identity graph's statements stay indexed as the workspace grows", () => {
  it("applying new, returning and linking events never scans a graph table or searches identifiers by type alone", async () => {
    const ws = freshWorkspace("plans");
    const customers = Array.from({ length: 40 }, (_, i) =>
      event(ws, `new-${i}`, [
        ["email", `user${i}@example.com`],
        ["phone", `+4477009${String(i).padStart(5, "0")}`],
        ["device_id", `dev-${i}`],
      ]),
    );
    await apply(ws, customers);
    await apply(ws, [event(ws, "anon", [["anonymous_id", "anon-1"]])]);

    const recorded = await recordStatements(ws, () =>
      apply(ws, [
        event(ws, "again-1", [
          ["email", "user1@example.com"],
          ["device_id", "dev-1"],
        ]),
        event(ws, "new-x", [["email", "someone-new@example.com"]]),
        event(ws, "link", [
          ["anonymous_id", "anon-1"],
          ["email", "user2@example.com"],
        ]),
      ]),
    );
    const reads = recorded.filter((r) => /^\s*(SELECT|UPDATE|DELETE)/i.test(r.query));
    // The run must have exercised the paths this test is about: a profile's facts, an owner lookup
    // and a merge's identifier move.
    expect(reads.some((r) => /FROM graph_identifiers\s+WHERE profile_id/i.test(r.query))).toBe(true);
    expect(reads.some((r) => /WHERE type = \? AND value = \?/.test(r.query))).toBe(true);
    expect(reads.some((r) => /UPDATE graph_identifiers SET profile_id/.test(r.query))).toBe(true);

    const offending: string[] = [];
    const seen = new Set<string>();
    for (const statement of reads) {
      if (seen.has(statement.query)) continue;
      seen.add(statement.query);
      for (const line of await planOf(ws, statement)) {
        // A scan is fine only where it stops at the first row (the "any quarantined value?" probe)
        // or walks the outbox in its key order; anything else grows with the workspace.
        const boundedScan =
          /LIMIT 1\s*$/.test(statement.query) || /^SCAN projection_outbox$/.test(line.trim());
        if ((/^SCAN graph_|^SCAN projection_outbox/.test(line) && !boundedScan) || /\(type=\?\)/.test(line))
          offending.push(`${line}  ←  ${statement.query.replace(/\s+/g, " ").slice(0, 120)}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("a batch of new customers writes each graph table once, whatever its size, and a repeat in it stays a duplicate", async () => {
    const ws = freshWorkspace("held");
    const customers = Array.from({ length: 60 }, (_, i) =>
      event(ws, `c-${i}`, [
        ["email", `c${i}@example.com`],
        ["device_id", `d-${i}`],
      ]),
    );
    let results: ApplyResult[] = [];
    const recorded = await recordStatements(ws, async () => {
      results = await apply(ws, [...customers, customers[7]!]);
    });
    expect(results.slice(0, 60).every((r) => r.status === "stored")).toBe(true);
    expect(results[60]).toMatchObject({ status: "duplicate", profileId: results[7]!.profileId });
    const writes = (table: string) =>
      recorded.filter((r) => new RegExp(`^\\s*INSERT INTO ${table}\\b`).test(r.query)).length;
    expect([writes("graph_event_claims"), writes("graph_profiles"), writes("graph_identifiers")]).toEqual([
      1, 1, 1,
    ]);
    const profiles = new Set(results.slice(0, 60).map((r) => r.profileId));
    expect(profiles.size).toBe(60);
  });
});
