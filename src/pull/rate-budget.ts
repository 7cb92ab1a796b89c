import type { SourceApi } from "../sources/poll-config";

/** The outcome of asking for one request: go, or not before `retryAt` (epoch ms). */
export type BudgetDecision = { ok: true } | { ok: false; retryAt: number; reason: "window" | "retry-after" };

/** A source's budget as operators see it. Times are epoch ms. */
export interface BudgetState {
  windowStart: number;
  used: number;
  nextAllowedAt: number;
  backoffAttempts: number;
  lastReason: string | null;
}

/**
 * The rate budget toward one source's API, in D1 (table `rate_budgets`), shared by the poller and
 * fetch-on-notify so together they never exceed the source's limit. A fixed window of
 * `requests` per `intervalSeconds`, plus `next_allowed_at` pushed by 429 / Retry-After. Each decision is
 * one atomic upsert (D1 runs a statement alone), so concurrent consumers cannot overspend; nothing ever
 * sleeps: a refusal says when to come back and the caller reschedules itself.
 */
export class RateBudget {
  constructor(private readonly db: D1Database) {}

  /** Takes one request from `sourceId`'s budget at `now`, or says when the next one is allowed. */
  async take(sourceId: string, limit: SourceApi["rateLimit"], now: number): Promise<BudgetDecision> {
    const intervalMs = limit.intervalSeconds * 1000;
    const granted = await this.db
      .prepare(
        `INSERT INTO rate_budgets (source_id, window_start, used, next_allowed_at, backoff_attempts, updated_at)
         VALUES (?1, ?2, 1, 0, 0, ?2)
         ON CONFLICT (source_id) DO UPDATE SET
           window_start = CASE WHEN ?2 >= window_start + ?3 THEN ?2 ELSE window_start END,
           used = CASE WHEN ?2 >= window_start + ?3 THEN 1 ELSE used + 1 END,
           updated_at = ?2
         WHERE next_allowed_at <= ?2 AND (?2 >= window_start + ?3 OR used < ?4)
         RETURNING used`,
      )
      .bind(sourceId, now, intervalMs, limit.requests)
      .first<{ used: number }>();
    if (granted) return { ok: true };
    const state = await this.get(sourceId);
    if (!state) return { ok: true };
    if (state.nextAllowedAt > now) return { ok: false, retryAt: state.nextAllowedAt, reason: "retry-after" };
    return { ok: false, retryAt: Math.max(now + 1, state.windowStart + intervalMs), reason: "window" };
  }

  /**
   * Pushes the next allowed time to at least `until` (never pulls it earlier). `refusal` counts a 429
   * without a usable Retry-After toward the default back-off.
   */
  async pushBack(
    sourceId: string,
    until: number,
    reason: string,
    now: number,
    refusal = false,
  ): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO rate_budgets (source_id, window_start, used, next_allowed_at, backoff_attempts, last_reason, updated_at)
         VALUES (?1, 0, 0, ?2, ?3, ?4, ?5)
         ON CONFLICT (source_id) DO UPDATE SET
           next_allowed_at = max(next_allowed_at, ?2),
           backoff_attempts = backoff_attempts + ?3,
           last_reason = ?4,
           updated_at = ?5`,
      )
      .bind(sourceId, until, refusal ? 1 : 0, reason.slice(0, 200), now)
      .run();
  }

  /** Clears the back-off count after a successful call (a no-op write when already clear). */
  async succeeded(sourceId: string): Promise<void> {
    await this.db
      .prepare("UPDATE rate_budgets SET backoff_attempts = 0 WHERE source_id = ? AND backoff_attempts > 0")
      .bind(sourceId)
      .run();
  }

  /** The budget row of `sourceId`, or null before its first request. */
  async get(sourceId: string): Promise<BudgetState | null> {
    const row = await this.db
      .prepare(
        "SELECT window_start, used, next_allowed_at, backoff_attempts, last_reason FROM rate_budgets WHERE source_id = ?",
      )
      .bind(sourceId)
      .first<{
        window_start: number;
        used: number;
        next_allowed_at: number;
        backoff_attempts: number;
        last_reason: string | null;
      }>();
    return row
      ? {
          windowStart: row.window_start,
          used: row.used,
          nextAllowedAt: row.next_allowed_at,
          backoffAttempts: row.backoff_attempts,
          lastReason: row.last_reason,
        }
      : null;
  }
}

/**
 * Deletes up to `limit` budget rows whose source no longer exists (a poll or fetch already running when
 * its source was deleted can write the row again after the deletion). Returns rows deleted.
 */
export async function forgetOrphanedBudgets(db: D1Database, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM rate_budgets WHERE rowid IN (SELECT b.rowid FROM rate_budgets b
         WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.id = b.source_id) LIMIT ?)`,
    )
    .bind(limit)
    .run();
  return result.meta.changes ?? 0;
}
