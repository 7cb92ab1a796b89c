import { DurableObject } from "cloudflare:workers";
import { workspaceDb } from "../db/workspace-db";
import { archiveBucket } from "../events/archive/store";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { type DefinitionRow, toDefinition } from "./cache";
import type { IndicatorDefinition } from "./definitions";
import { ARCHIVE_CURSOR, archivePage, hasAgedOut } from "./recompute-archive";
import { rewriteContribution, type StoredEventRow } from "./statements";

/** Events rewritten per D1 batch. */
const PAGE_SIZE = 100;
/** Pages per alarm run: bounds one invocation's CPU time and D1 query count; the next alarm continues. */
const PAGES_PER_RUN = 5;
/** Delay before trying again after a failed run (D1 unavailable, definition changed mid-page). */
const RETRY_MS = 2_000;

/**
 * IndicatorRecompute: one Durable Object per workspace that rewrites indicator contributions from
 * stored events after a definition changes. Its alarm walks the workspace's events in id order, one
 * page per D1 batch, recording the cursor and progress on the definition row, so the work survives
 * restarts and an operator can watch it (GET /v1/admin/indicators/{id}). Events stored while it runs
 * are counted by the live path with the new version, so the walk never has to catch up with them.
 * @see https://developers.cloudflare.com/durable-objects/api/alarms/
 */
export class IndicatorRecompute extends DurableObject<Env> {
  /** Makes sure a run is scheduled for `workspace`'s definitions that are marked recomputing. */
  async start(workspace: string): Promise<void> {
    await this.ctx.storage.put("workspace", workspace);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const workspace = await this.ctx.storage.get<string>("workspace");
    if (!workspace) return;
    try {
      if (
        await recomputeSome(
          workspaceDb(this.env, workspace),
          workspace,
          PAGES_PER_RUN,
          archiveBucket(this.env),
        )
      )
        await this.ctx.storage.setAlarm(Date.now());
    } catch (error) {
      log.warn("indicator_recompute_retry", { workspace, error: String(error) });
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    }
  }
}

/** The IndicatorRecompute stub of `workspace`. */
export function recomputerFor(env: Env, workspace: string): DurableObjectStub<IndicatorRecompute> {
  return env.INDICATOR_RECOMPUTE.get(env.INDICATOR_RECOMPUTE.idFromName(workspace));
}

/**
 * Processes up to `pages` pages of the workspace's definitions under recompute. Returns true when work
 * remains. A page's batch starts with a check that the definition still has the version the page was
 * computed for; if it changed (edited again), the batch fails and the next run starts over.
 *
 * The walk has two phases: D1's events with a body, in id order; then, when the workspace has an
 * archive, the archive objects in key order for the events aged out of D1 (recompute-archive.ts).
 * @throws on D1 or R2 errors (the alarm retries)
 */
export async function recomputeSome(
  db: D1Database,
  workspace: string,
  pages: number,
  bucket: R2Bucket,
): Promise<boolean> {
  let budget = pages;
  for (;;) {
    const row = await db
      .prepare(
        "SELECT *, recompute_cursor AS cursor FROM indicator_definitions WHERE workspace = ? AND status = 'recomputing' ORDER BY id LIMIT 1",
      )
      .bind(workspace)
      .first<DefinitionRow & { cursor: string | null }>();
    if (!row) return false;
    if (budget-- <= 0) return true;
    await recomputePage(db, bucket, toDefinition(row), row.cursor);
  }
}

async function recomputePage(
  db: D1Database,
  bucket: R2Bucket,
  definition: IndicatorDefinition,
  cursor: string | null,
): Promise<void> {
  let rewrites: D1PreparedStatement[];
  let visited: number;
  let nextCursor: string | null;
  let last: boolean;
  if (cursor?.startsWith(ARCHIVE_CURSOR)) {
    const page = await archivePage(bucket, db, definition, cursor.slice(ARCHIVE_CURSOR.length));
    rewrites = page?.statements ?? [];
    visited = page?.events ?? 0;
    nextCursor = page ? ARCHIVE_CURSOR + page.key : cursor;
    last = page === null;
  } else {
    // Aged-out rows have an empty body in D1: the archive phase recomputes them.
    const { results: events } = await db
      .prepare(
        "SELECT id, type, source_id, traits, properties FROM events WHERE workspace = ? AND id > ? AND aged_out_at IS NULL ORDER BY id LIMIT ?",
      )
      .bind(definition.workspace, cursor ?? "", PAGE_SIZE)
      .all<StoredEventRow>();
    rewrites = events.map((event) => rewriteContribution(db, definition, event));
    visited = events.length;
    nextCursor = events.at(-1)?.id ?? cursor;
    last = events.length < PAGE_SIZE;
    if (last && (await hasAgedOut(db, definition.workspace))) {
      nextCursor = ARCHIVE_CURSOR;
      last = false;
    }
  }
  const now = Date.now();
  const statements = [
    db
      .prepare(
        `SELECT CASE WHEN v = ? THEN 1 ELSE json('indicator changed to version ' || v) END
         FROM (SELECT version AS v FROM indicator_definitions WHERE id = ?)`,
      )
      .bind(definition.version, definition.id),
    ...rewrites,
    db
      .prepare(
        `UPDATE indicator_definitions SET recompute_cursor = ?, recompute_done = recompute_done + ?,
           status = CASE WHEN ? THEN 'current' ELSE status END,
           recompute_finished_at = CASE WHEN ? THEN ? ELSE NULL END
         WHERE id = ? AND version = ?`,
      )
      .bind(nextCursor, visited, last ? 1 : 0, last ? 1 : 0, now, definition.id, definition.version),
  ];
  // Rows of older versions left after the walk belong to events gone since (erased): drop them.
  if (last)
    statements.push(
      db
        .prepare("DELETE FROM indicator_contributions WHERE indicator_id = ? AND version < ?")
        .bind(definition.id, definition.version),
    );
  await db.batch(statements);
  if (last) log.info("indicator_recomputed", { indicatorId: definition.id, version: definition.version });
}
