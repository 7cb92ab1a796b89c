import { decodeObject, latestById } from "../events/archive/format";
import type { IndicatorDefinition } from "./definitions";
import { contributionOf } from "./evaluate";

/**
 * Recompute's cursor prefix once the walk over D1's events is done and it walks the archive: the rest
 * of the cursor is the last archive object key processed. Event ids (`evt_…`) never start with it.
 */
export const ARCHIVE_CURSOR = "archive:";

/**
 * True when `workspace` has events aged out of D1 (so a recompute must walk the archive too). Runs
 * once per recompute; without aged-out events it reads the workspace's rows once, as the walk does.
 */
export async function hasAgedOut(db: D1Database, workspace: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS found FROM events WHERE workspace = ? AND aged_out_at IS NOT NULL LIMIT 1")
    .bind(workspace)
    .first();
  return row !== null;
}

/**
 * One page of the archive walk: the next archive object of the workspace after `afterKey` (key order).
 * Its lines whose events are aged out of D1 (`aged_out_at` set) are recomputed from the archived body;
 * the others have a body in D1 and were handled by the D1 walk. Each rewrite is guarded on the row
 * still being aged out with the same `archived_at` as the line, so only the latest archived version of
 * an event counts (an event archived again after an async enrichment has two lines).
 * @returns the statements to run (before the cursor update) and the object key, or null when done
 * @throws on R2 errors or a corrupt object (the alarm retries)
 */
export async function archivePage(
  bucket: R2Bucket,
  db: D1Database,
  definition: IndicatorDefinition,
  afterKey: string,
): Promise<{ key: string; statements: D1PreparedStatement[]; events: number } | null> {
  const next = await db
    .prepare("SELECT key FROM archive_objects WHERE workspace = ? AND key > ? ORDER BY key LIMIT 1")
    .bind(definition.workspace, afterKey)
    .first<{ key: string }>();
  if (!next) return null;
  const object = await bucket.get(next.key);
  const lines = object ? [...latestById(await decodeObject(object.body)).values()] : [];
  const { results: agedOut } = lines.length
    ? await db
        .prepare(
          "SELECT id, archived_at FROM events WHERE id IN (SELECT value FROM json_each(?)) AND aged_out_at IS NOT NULL",
        )
        .bind(JSON.stringify(lines.map((l) => l.id)))
        .all<{ id: string; archived_at: number }>()
    : { results: [] };
  const version = new Map(agedOut.map((r) => [r.id, r.archived_at]));
  const guard = "EXISTS (SELECT 1 FROM events WHERE id = ? AND aged_out_at IS NOT NULL AND archived_at = ?)";
  const statements: D1PreparedStatement[] = [];
  for (const line of lines) {
    if (version.get(line.id) !== line.archivedAt) continue;
    const contribution = contributionOf(definition, line);
    statements.push(
      contribution
        ? db
            .prepare(
              `INSERT OR REPLACE INTO indicator_contributions (event_id, indicator_id, version, num, value)
               SELECT ?, ?, ?, ?, ? WHERE ${guard}`,
            )
            .bind(
              line.id,
              definition.id,
              definition.version,
              contribution.num,
              contribution.value,
              line.id,
              line.archivedAt,
            )
        : db
            .prepare(
              `DELETE FROM indicator_contributions WHERE event_id = ? AND indicator_id = ? AND ${guard}`,
            )
            .bind(line.id, definition.id, line.id, line.archivedAt),
    );
  }
  return { key: next.key, statements, events: statements.length };
}
