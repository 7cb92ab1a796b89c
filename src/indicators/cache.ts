import type { Condition } from "../events/conditions";
import type { Aggregate, IndicatorDefinition } from "./definitions";

/** A workspace's live indicator definitions and the fingerprint they were read at. */
export interface DefinitionSet {
  definitions: IndicatorDefinition[];
  /**
   * Sum of every definition's version, deleted ones included. Rows are never removed and every
   * change (create, update, recompute, delete) raises one version, so any change raises this sum.
   */
  fingerprint: number;
}

/** Row shape of `indicator_definitions` as read here. */
export interface DefinitionRow {
  id: string;
  workspace: string;
  name: string;
  aggregate: string;
  field: string | null;
  event_types: string | null;
  conditions: string;
  window_ms: number | null;
  version: number;
  status: string;
}

/**
 * How long an isolate trusts its copy of a workspace's definitions. Staleness is safe: every write
 * carries {@link definitionsGuard}, which fails the batch if the definitions changed meanwhile, and the
 * retry (queue backoff ≥ 1 s) reads them again.
 */
const TTL_MS = 1_000;
const cache = new Map<string, { at: number; set: DefinitionSet }>();

/** The workspace's definitions (not deleted), from a per-isolate cache at most {@link TTL_MS} old. */
export async function definitionSet(
  db: D1Database,
  workspace: string,
  now = Date.now(),
): Promise<DefinitionSet> {
  const hit = cache.get(workspace);
  if (hit && now - hit.at < TTL_MS) return hit.set;
  const set = await readDefinitionSet(db, workspace);
  cache.set(workspace, { at: now, set });
  return set;
}

/** Reads the definitions of `workspace` from D1, bypassing the cache. */
export async function readDefinitionSet(db: D1Database, workspace: string): Promise<DefinitionSet> {
  const { results } = await db
    .prepare(
      `SELECT id, workspace, name, aggregate, field, event_types, conditions, window_ms, version, status
       FROM indicator_definitions WHERE workspace = ? ORDER BY id`,
    )
    .bind(workspace)
    .all<DefinitionRow>();
  return {
    definitions: results.filter((r) => r.status !== "deleted").map(toDefinition),
    fingerprint: results.reduce((sum, r) => sum + r.version, 0),
  };
}

/** Drops the cached definitions of `workspace` (after an admin change in this isolate). */
export function forgetDefinitions(workspace: string): void {
  cache.delete(workspace);
}

/**
 * A statement that aborts its D1 batch unless the workspace's definitions still have `fingerprint`.
 * SQLite has no RAISE outside triggers, so the failing branch calls json() on text that is not JSON;
 * the text comes from a subquery so it is only evaluated when that branch is taken.
 */
export function definitionsGuard(
  db: D1Database,
  workspace: string,
  fingerprint: number,
): D1PreparedStatement {
  return db
    .prepare(
      `SELECT CASE WHEN f = ? THEN 1 ELSE json('indicator definitions changed at ' || f) END
       FROM (SELECT coalesce(sum(version), 0) AS f FROM indicator_definitions WHERE workspace = ?)`,
    )
    .bind(fingerprint, workspace);
}

/** Converts a stored row. */
export function toDefinition(row: DefinitionRow): IndicatorDefinition {
  return {
    id: row.id,
    workspace: row.workspace,
    name: row.name,
    aggregate: row.aggregate as Aggregate,
    field: row.field,
    eventTypes: row.event_types ? (JSON.parse(row.event_types) as string[]) : null,
    conditions: JSON.parse(row.conditions) as Condition[],
    windowMs: row.window_ms,
    version: row.version,
    status: row.status as IndicatorDefinition["status"],
  };
}
