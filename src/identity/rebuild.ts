import { readMeta, writeMeta } from "./graph-store";
import type { Outbox } from "./outbox";
import { projectedVersion } from "./projection";
import { loadRules, type StoredRules } from "./rules-store";

/** Where a rebuild of a workspace's graph from D1 stands. */
export interface RebuildProgress {
  workspace: string;
  /** Pass it to the next call; null once done. */
  cursor: string | null;
  done: boolean;
  /** Profiles (live and merged) D1 holds for the workspace. */
  totalProfiles: number;
  /** Profiles the graph holds now. */
  graphProfiles: number;
  /** Rows copied by this call. */
  copied: { profiles: number; identifiers: number; events: number; merges: number };
  /** Rules read from D1 by the first call, for the object to use from now on. */
  rules?: StoredRules;
}

/**
 * One step of building the graph of `workspace` in its object from D1 (the migration from the
 * design where the graph lived in D1): a page of `pageSize` profiles by id after `cursor`, with their
 * identifiers, the claims of their events and the merges they survived, all written in one SQLite
 * transaction. The first step also copies the workspace's rules, quarantined values and erased event
 * keys, and makes the outbox continue after the version D1's projection is at.
 *
 * Safe to re-run and to resume: rows the graph has already are kept as they are (D1 is the graph's
 * projection, so where both have a row the graph's is the newer), and a finished rebuild only
 * re-reads D1. Reads D1 with bounded statements (every list is one JSON parameter).
 */
export async function rebuildStep(
  db: D1Database,
  storage: DurableObjectStorage,
  outbox: Outbox,
  workspace: string,
  cursor: string | null,
  pageSize: number,
): Promise<RebuildProgress> {
  const sql = storage.sql;
  const first = cursor === null;
  const profiles = await db
    .prepare(
      `SELECT p.id, p.created_at, p.merge_count, p.merged_into,
         (SELECT count(*) FROM identifiers i WHERE i.profile_id = p.id) AS identifier_count
       FROM profiles p WHERE p.workspace = ? AND p.id > ? ORDER BY p.id LIMIT ?`,
    )
    .bind(workspace, cursor ?? "", pageSize)
    .all<{
      id: string;
      created_at: number;
      merge_count: number;
      merged_into: string | null;
      identifier_count: number;
    }>();
  const ids = JSON.stringify(profiles.results.map((p) => p.id));
  const IN_IDS = "(SELECT value FROM json_each(?1))";
  const [identifiers, events, merges, total] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT type, value, profile_id, last_seen_at, link_count FROM identifiers WHERE profile_id IN ${IN_IDS}`,
      )
      .bind(ids),
    db
      .prepare(
        `SELECT source_id, event_key, profile_id, delivery_id FROM events WHERE profile_id IN ${IN_IDS}`,
      )
      .bind(ids),
    db
      .prepare(
        `SELECT survivor_id, merged_id, identifier_type, identifier_value, event_id, rule, created_at FROM merges
         WHERE merged_id IN ${IN_IDS}`,
      )
      .bind(ids),
    db.prepare("SELECT count(*) AS n FROM profiles WHERE workspace = ?").bind(workspace),
  ]);
  let once: { rules: StoredRules; version: number; quarantine: unknown[]; erased: unknown[] } | undefined;
  if (first) {
    const [quarantine, erased] = await db.batch<Record<string, unknown>>([
      db
        .prepare(
          "SELECT type, value, linked_profiles, event_id, created_at FROM identifier_quarantine WHERE workspace = ?",
        )
        .bind(workspace),
      db.prepare("SELECT source_id, event_key FROM erased_events WHERE workspace = ?").bind(workspace),
    ]);
    once = {
      rules: await loadRules(db, workspace),
      version: await projectedVersion(db, workspace),
      quarantine: quarantine!.results,
      erased: erased!.results,
    };
  }

  const copied = storage.transactionSync(() => {
    const count = { profiles: 0, identifiers: 0, events: 0, merges: 0 };
    for (const p of profiles.results)
      count.profiles += sql
        .exec(
          `INSERT INTO graph_profiles (id, created_at, merge_count, identifier_count, merged_into) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING RETURNING 1`,
          p.id,
          p.created_at,
          p.merge_count,
          p.merged_into ? 0 : p.identifier_count,
          p.merged_into,
        )
        .toArray().length;
    for (const i of identifiers!.results)
      count.identifiers += sql
        .exec(
          `INSERT INTO graph_identifiers (type, value, profile_id, last_seen_at, link_count) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING RETURNING 1`,
          i.type as string,
          i.value as string,
          i.profile_id as string,
          i.last_seen_at as number,
          i.link_count as number,
        )
        .toArray().length;
    for (const e of events!.results)
      count.events += sql
        .exec(
          `INSERT INTO graph_event_claims (source_id, event_key, profile_id, delivery_id) VALUES (?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING 1`,
          e.source_id as string,
          e.event_key as string,
          e.profile_id as string,
          e.delivery_id as string,
        )
        .toArray().length;
    // Merges are keyed by the merged profile: each profile is merged away at most once.
    for (const m of merges!.results)
      if (
        sql.exec("SELECT 1 FROM graph_merges WHERE merged_id = ?", m.merged_id as string).toArray().length ===
        0
      ) {
        sql.exec(
          `INSERT INTO graph_merges (survivor_id, merged_id, identifier_type, identifier_value, event_id, rule, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          m.survivor_id as string,
          m.merged_id as string,
          m.identifier_type as string,
          m.identifier_value as string,
          m.event_id as string,
          m.rule as string,
          m.created_at as number,
        );
        count.merges++;
      }
    if (once) {
      for (const q of once.quarantine as Record<string, string | number>[])
        sql.exec(
          `INSERT INTO graph_quarantine (type, value, linked_profiles, event_id, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          q.type!,
          q.value!,
          q.linked_profiles!,
          q.event_id!,
          q.created_at!,
        );
      for (const e of once.erased as Record<string, string>[])
        sql.exec(
          `INSERT INTO graph_event_claims (source_id, event_key, profile_id, erased) VALUES (?, ?, '', 1)
           ON CONFLICT DO NOTHING`,
          e.source_id!,
          e.event_key!,
        );
      outbox.continueAfter(once.version);
    }
    const done = profiles.results.length < pageSize;
    if (done) writeMeta(sql, "graph_origin", "rebuilt");
    return count;
  });
  const done = profiles.results.length < pageSize;
  return {
    workspace,
    cursor: done ? null : profiles.results.at(-1)!.id,
    done,
    totalProfiles: (total!.results[0] as { n: number }).n,
    graphProfiles: sql.exec<{ n: number }>("SELECT count(*) AS n FROM graph_profiles").one().n,
    copied,
    ...(once ? { rules: once.rules } : {}),
  };
}

/** Whether the graph was started afresh or rebuilt from D1 (then nothing is left to migrate). */
export function graphOrigin(sql: SqlStorage): string | undefined {
  return readMeta(sql, "graph_origin");
}
