import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { forgetOrphanedFetches } from "../pipeline/notify-cache";
import { forgetOrphanedBudgets } from "../pull/rate-budget";

/** Rows of each table one tick deletes at most, so a backlog is cleared over ticks, never in one long statement. */
export const ORPHAN_SWEEP_BATCH = 500;

/**
 * Cron task: deletes rate budgets and fetch-on-notify cache rows whose source no longer exists. Deleting
 * a source removes them in the same batch, but a poll or fetch already running at that moment writes
 * its row again afterwards. Bounded to {@link ORPHAN_SWEEP_BATCH} rows per table per tick. Never throws:
 * a failure is logged and the next tick tries again.
 * @returns rows deleted per table (0 on failure)
 */
export async function sweepOrphanedSourceRows(
  env: Pick<Env, "DB">,
  limit = ORPHAN_SWEEP_BATCH,
): Promise<{ rateBudgets: number; notifyFetches: number }> {
  try {
    const rateBudgets = await forgetOrphanedBudgets(env.DB, limit);
    const notifyFetches = await forgetOrphanedFetches(env.DB, limit);
    if (rateBudgets + notifyFetches > 0)
      log.info("orphaned_source_rows_deleted", { rateBudgets, notifyFetches });
    return { rateBudgets, notifyFetches };
  } catch (error) {
    log.error("orphaned_source_rows_sweep_failed", { error: String(error).slice(0, 200) });
    return { rateBudgets: 0, notifyFetches: 0 };
  }
}
