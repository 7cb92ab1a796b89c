import { customerDatabases } from "../db/workspace-db";
import { archivedFromRow, EVENT_ROW_COLUMNS, type EventRow } from "../events/archive/rows";
import { archiveBucket, writeToArchive } from "../events/archive/store";
import { configOf } from "../lib/config";
import type { Env } from "../lib/env";
import { groupBy } from "../lib/group-by";
import { log } from "../lib/log";
import { retentionSettings } from "./retention-settings";

/** Rows one cron tick handles per database and task: bounds its CPU time and D1 queries. */
export const RETENTION_BATCH = 500;
/** An event stored this recently may still be archived by its own consumer batch: the cron waits. */
export const ARCHIVE_GRACE_MS = 10 * 60_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A day count in 1–36500, or undefined. */
function days(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isFinite(n) && n >= 1 && n <= 36_500 ? n : undefined;
}

/** Where a workspace's retention window comes from, most specific first. */
export type RetentionOrigin = "workspace_setting" | "workspace_config" | "config" | "default";

/**
 * The retention window of `workspace` in days and where it comes from: the workspace's setting
 * (`stored`, from `event_retention_settings`, set through the admin API), else
 * WORKSPACE_EVENT_RETENTION_DAYS[workspace], else EVENT_RETENTION_DAYS, else 90. Malformed settings
 * fall back (and are logged), never to "keep nothing".
 */
export function retentionWindow(
  env: Pick<Env, "EVENT_RETENTION_DAYS" | "WORKSPACE_EVENT_RETENTION_DAYS">,
  workspace: string,
  stored?: number,
): { days: number; origin: RetentionOrigin } {
  const own = days(stored);
  if (own !== undefined) return { days: own, origin: "workspace_setting" };
  const config = configOf(env);
  const fromWorkspaceConfig = config.workspaceEventRetentionDays.get(workspace);
  if (fromWorkspaceConfig !== undefined) return { days: fromWorkspaceConfig, origin: "workspace_config" };
  // configOf falls back to the default for a malformed value: the origin says which one applied.
  const origin = days(env.EVENT_RETENTION_DAYS) === undefined ? "default" : "config";
  return { days: config.eventRetentionDays, origin };
}

/** The retention window of `workspace` in days ({@link retentionWindow} without its origin). */
export function retentionDays(
  env: Pick<Env, "EVENT_RETENTION_DAYS" | "WORKSPACE_EVENT_RETENTION_DAYS">,
  workspace: string,
  stored?: number,
): number {
  return retentionWindow(env, workspace, stored).days;
}

/**
 * Cron task: drains the archive outbox, i.e. events stored at least {@link ARCHIVE_GRACE_MS} ago whose
 * D1 row is not marked archived (their consumer batch's R2 write failed, or an async enrichment
 * changed them since), up to {@link RETENTION_BATCH} per database. The partial index
 * `events_unarchived_idx` holds only such rows, so finding them costs nothing when there are none.
 * @returns events archived
 */
export async function archivePending(env: Env, now = Date.now()): Promise<number> {
  let archived = 0;
  for (const { db } of customerDatabases(env)) {
    const { results } = await db
      .prepare(
        `SELECT ${EVENT_ROW_COLUMNS} FROM events INDEXED BY events_unarchived_idx
         WHERE archived_at IS NULL AND received_at < ? ORDER BY workspace, received_at LIMIT ?`,
      )
      .bind(now - ARCHIVE_GRACE_MS, RETENTION_BATCH)
      .all<EventRow>();
    archived += await archiveRows(env, db, results, now);
  }
  return archived;
}

async function archiveRows(
  env: Env,
  db: D1Database,
  rows: readonly EventRow[],
  now: number,
): Promise<number> {
  const byWorkspace = groupBy(rows, (row) => row.workspace);
  let archived = 0;
  for (const [workspace, group] of byWorkspace) {
    const written = await writeToArchive(
      archiveBucket(env),
      db,
      workspace,
      group.map((row) => archivedFromRow(row, now)),
      now,
    );
    archived += written.events;
  }
  return archived;
}

/**
 * Cron task: ages out events older than their workspace's retention window ({@link retentionWindow}:
 * the workspace's setting, else the configuration), oldest first, in bounded
 * batches (`limit`, default {@link RETENTION_BATCH}, per database per tick; the next tick continues). An event not yet
 * archived is archived first; then its body is emptied and `aged_out_at` set, in one statement that
 * only touches rows still marked archived (an async enrichment may have unmarked one meanwhile: it is
 * archived again next tick). The row itself stays: its unique key is the dedupe claim and its profile
 * link is what indicator values and merges use; readers get the body from the archive.
 * @returns events aged out
 */
export async function ageOutEvents(env: Env, now = Date.now(), limit = RETENTION_BATCH): Promise<number> {
  let agedOut = 0;
  const settings = await retentionSettings(env.DB);
  for (const { db } of customerDatabases(env)) {
    let budget = limit;
    for (const workspace of await liveWorkspaces(db)) {
      if (budget <= 0) break;
      const cutoff = now - retentionDays(env, workspace, settings.get(workspace)) * DAY_MS;
      const { results } = await db
        .prepare(
          `SELECT ${EVENT_ROW_COLUMNS} FROM events INDEXED BY events_retention_idx
           WHERE workspace = ? AND aged_out_at IS NULL AND received_at < ? ORDER BY received_at LIMIT ?`,
        )
        .bind(workspace, cutoff, budget)
        .all<EventRow>();
      if (results.length === 0) continue;
      budget -= results.length;
      await archiveRows(
        env,
        db,
        results.filter((r) => r.archived_at === null),
        now,
      );
      const result = await db
        .prepare(
          `UPDATE events SET identifiers = '[]', traits = '{}', properties = '{}', warnings = '[]', aged_out_at = ?2
           WHERE id IN (SELECT value FROM json_each(?1)) AND archived_at IS NOT NULL AND aged_out_at IS NULL`,
        )
        .bind(JSON.stringify(results.map((r) => r.id)), now)
        .run();
      agedOut += result.meta.changes ?? 0;
    }
  }
  if (agedOut > 0) log.info("events_aged_out", { agedOut });
  return agedOut;
}

/**
 * Workspaces that still have events with a body in D1, read as a skip-scan of the partial index
 * `events_retention_idx` (one index seek per workspace, however many events each has).
 */
async function liveWorkspaces(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      `WITH RECURSIVE w(ws) AS (
         SELECT (SELECT min(workspace) FROM events INDEXED BY events_retention_idx WHERE aged_out_at IS NULL)
         UNION ALL
         SELECT (SELECT min(workspace) FROM events INDEXED BY events_retention_idx WHERE aged_out_at IS NULL AND workspace > w.ws)
         FROM w WHERE w.ws IS NOT NULL)
       SELECT ws FROM w WHERE ws IS NOT NULL`,
    )
    .all<{ ws: string }>();
  return results.map((r) => r.ws);
}
