import type { CallOutcome } from "./external-system";

/** Calls kept per external system (all its extensions together); older ones are dropped as new ones come. */
export const RECENT_CALLS_KEPT = 500;

/**
 * One call to an extension endpoint as operators see it: when, how long, and how it ended. Neither the
 * request nor the answer is kept: they carry the event's identifiers and traits (personal data), which
 * live in the event store and are erased there.
 */
export interface RecentCall {
  /** Increasing per external system; the cursor of {@link readRecentCalls}. */
  seq: number;
  extensionId: string;
  /** When the call was asked for, epoch ms. */
  at: number;
  /** Until the outcome was known (including a wait for the rate budget), ms. */
  durationMs: number;
  /** `ok`, or the failure: timeout, network, http_status, circuit_open, rate_limited, too_large, refused. */
  outcome: string;
  /** The endpoint's HTTP status, when it answered. */
  status: number | null;
  /** Why it failed (log-safe), null for `ok`. */
  detail: string | null;
}

/** Creates the ExternalSystem object's `recent_calls` table (its own SQLite storage) when missing. */
export function ensureRecentCalls(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS recent_calls (
       seq INTEGER PRIMARY KEY AUTOINCREMENT, extension_id TEXT NOT NULL, at INTEGER NOT NULL,
       duration_ms INTEGER NOT NULL, outcome TEXT NOT NULL, status INTEGER, detail TEXT)`,
  );
  sql.exec("CREATE INDEX IF NOT EXISTS recent_calls_extension_idx ON recent_calls (extension_id, seq)");
}

/**
 * Records one call and drops those older than the last {@link RECENT_CALLS_KEPT}: a bounded ring, so a
 * busy system's storage does not grow with its traffic. Synchronous SQLite in the object: no extra
 * round trip on the call's path.
 */
export function recordCall(
  sql: SqlStorage,
  extensionId: string,
  at: number,
  durationMs: number,
  outcome: CallOutcome,
): void {
  const { seq } = sql
    .exec<{ seq: number }>(
      `INSERT INTO recent_calls (extension_id, at, duration_ms, outcome, status, detail) VALUES (?, ?, ?, ?, ?, ?)
       RETURNING seq`,
      extensionId,
      at,
      Math.max(0, Math.round(durationMs)),
      outcome.ok ? "ok" : outcome.failure,
      outcome.ok ? outcome.status : (outcome.status ?? null),
      outcome.ok ? null : outcome.detail.slice(0, 300),
    )
    .one();
  sql.exec("DELETE FROM recent_calls WHERE seq <= ?", seq - RECENT_CALLS_KEPT);
}

/**
 * The newest calls of `extensionId` (newest first), those before `beforeSeq` when given; `next` is the
 * seq to continue before when more follow.
 */
export function readRecentCalls(
  sql: SqlStorage,
  extensionId: string,
  limit: number,
  beforeSeq?: number,
): { data: RecentCall[]; next: number | null } {
  const rows = sql
    .exec<{
      seq: number;
      extension_id: string;
      at: number;
      duration_ms: number;
      outcome: string;
      status: number | null;
      detail: string | null;
    }>(
      `SELECT * FROM recent_calls WHERE extension_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      extensionId,
      beforeSeq ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    )
    .toArray();
  const data = rows.slice(0, limit).map((r) => ({
    seq: r.seq,
    extensionId: r.extension_id,
    at: r.at,
    durationMs: r.duration_ms,
    outcome: r.outcome,
    status: r.status,
    detail: r.detail,
  }));
  return { data, next: rows.length > limit ? data.at(-1)!.seq : null };
}
