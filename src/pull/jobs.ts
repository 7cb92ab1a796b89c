import { metrics } from "../observability/metrics/recorder";
import type { Checkpoint } from "./pagination";
import type { BudgetState } from "./rate-budget";

/** A poll job's state: see the `poll_jobs` table. Times are epoch ms. */
export interface PollJob {
  sourceId: string;
  workspace: string;
  status: "idle" | "running" | "waiting" | "failed";
  paused: boolean;
  runId: string | null;
  checkpoint: Checkpoint;
  runSeen: string[];
  runPages: number;
  runRecords: number;
  runFailures: number;
  runStartedAt: number | null;
  leaseUntil: number | null;
  nextRunAt: number;
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  lastRunRecords: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  recordsFetched: number;
  updatedAt: number;
}

/** A poll job as listed: the job, its source's name and type, and its rate budget (null before first use). */
export interface PollJobListing {
  job: PollJob;
  source: { name: string; type: string };
  budget: BudgetState | null;
}

/** How long one poller invocation holds a job. Longer than any invocation; a crash frees it after this. */
export const LEASE_MS = 5 * 60_000;
/**
 * A `running` job untouched this long, with no live lease, lost its message or its poller (message
 * refused or dropped by the queue, consumer crashed): the cron re-dispatches the same run. A run that
 * makes progress extends its lease ({@link PollJobStore.heartbeat}), so it is never taken for lost.
 */
export const STALE_MS = 10 * 60_000;
/** A failed run's job is retried no sooner than this. */
const FAILED_RETRY_MS = 60_000;

type Row = Record<string, unknown>;

/** Progress of the current run: what a page commit or the end of a run writes. */
export interface RunProgress {
  checkpoint: Checkpoint;
  seen: string[];
  pages: number;
  records: number;
  /** Records of the pages committed by this call (added to the job's lifetime total). */
  newRecords: number;
}

/**
 * The `poll_jobs` table. Every transition is one conditional UPDATE on `(source_id, run_id)` and the
 * lease, so a late or duplicated queue message cannot move a run it no longer owns. A run's own writes
 * (page commit, complete, fail, wait, release) are fenced on the exact `lease_until` its invocation
 * holds (`heldUntil`: what its claim or last heartbeat wrote): once the cron has taken the run for lost
 * and another invocation has claimed it, or the cursor was reset, a stalled invocation's write changes
 * nothing and answers false, so it cannot put its checkpoint, counters or outcome over its successor's.
 */
export class PollJobStore {
  constructor(private readonly db: D1Database) {}

  /** Creates a job for every source with a `poll` config and removes jobs whose source lost it. */
  async sync(now: number): Promise<void> {
    await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO poll_jobs (source_id, workspace, next_run_at, updated_at)
           SELECT id, workspace, ?1, ?1 FROM sources WHERE json_extract(config, '$.poll') IS NOT NULL
           ON CONFLICT (source_id) DO NOTHING`,
        )
        .bind(now),
      this.db.prepare(
        `DELETE FROM poll_jobs WHERE source_id NOT IN
           (SELECT id FROM sources WHERE json_extract(config, '$.poll') IS NOT NULL)`,
      ),
    ]);
  }

  /** The job of `sourceId`, created first if its source has a `poll` config; null when it has none. */
  async ensure(sourceId: string, now: number): Promise<PollJob | null> {
    await this.db
      .prepare(
        `INSERT INTO poll_jobs (source_id, workspace, next_run_at, updated_at)
         SELECT id, workspace, ?2, ?2 FROM sources WHERE id = ?1 AND json_extract(config, '$.poll') IS NOT NULL
         ON CONFLICT (source_id) DO NOTHING`,
      )
      .bind(sourceId, now)
      .run();
    return this.get(sourceId);
  }

  /**
   * Marks due jobs `running` and returns them for enqueueing: idle/failed jobs whose time has come start
   * a new run (fresh run id, loop guard and counters; the checkpoint is kept), waiting jobs resume their
   * run, and stale running jobs are re-dispatched. At most `limit` per call; `sourceId` narrows to one.
   */
  async dispatchDue(
    now: number,
    limit = 100,
    sourceId?: string,
  ): Promise<{ sourceId: string; runId: string }[]> {
    const result = await this.db
      .prepare(
        `UPDATE poll_jobs SET
           run_id = CASE WHEN status IN ('idle', 'failed') THEN 'run_' || lower(hex(randomblob(10))) ELSE run_id END,
           run_seen = CASE WHEN status IN ('idle', 'failed') THEN '[]' ELSE run_seen END,
           run_pages = CASE WHEN status IN ('idle', 'failed') THEN 0 ELSE run_pages END,
           run_records = CASE WHEN status IN ('idle', 'failed') THEN 0 ELSE run_records END,
           run_failures = CASE WHEN status IN ('idle', 'failed') THEN 0 ELSE run_failures END,
           run_started_at = CASE WHEN status IN ('idle', 'failed') THEN ?1 ELSE run_started_at END,
           last_run_at = CASE WHEN status IN ('idle', 'failed') THEN ?1 ELSE last_run_at END,
           status = 'running', lease_until = NULL, updated_at = ?1
         WHERE source_id IN (
           SELECT source_id FROM poll_jobs
           WHERE paused = 0 AND (?3 IS NULL OR source_id = ?3) AND (
             (status IN ('idle', 'failed', 'waiting') AND next_run_at <= ?1)
             OR (status = 'running' AND updated_at < ?1 - ?4 AND (lease_until IS NULL OR lease_until < ?1)))
           ORDER BY next_run_at LIMIT ?2)
         RETURNING source_id, run_id`,
      )
      .bind(now, limit, sourceId ?? null, STALE_MS)
      .all<{ source_id: string; run_id: string }>();
    return result.results.map((r) => ({ sourceId: r.source_id, runId: r.run_id }));
  }

  /**
   * Takes the lease on `sourceId`'s run `runId` for one invocation. Null when the message is stale:
   * another run started, the run ended, the job is paused, waiting for later, or leased elsewhere.
   */
  async claim(sourceId: string, runId: string, now: number): Promise<PollJob | null> {
    const row = await this.db
      .prepare(
        `UPDATE poll_jobs SET status = 'running', lease_until = ?3, updated_at = ?4
         WHERE source_id = ?1 AND run_id = ?2 AND paused = 0
           AND (status = 'running' OR (status = 'waiting' AND next_run_at <= ?4))
           AND (lease_until IS NULL OR lease_until < ?4)
         RETURNING *`,
      )
      .bind(sourceId, runId, now + LEASE_MS, now)
      .first<Row>();
    return row ? toJob(row) : null;
  }

  /**
   * Commits a page: checkpoint, loop guard and counters (the lease is left as held: the poller extends
   * it with {@link heartbeat}); the run's failure count starts again at 0. False when this invocation
   * no longer holds the run (`heldUntil` is not the lease: taken over, ended) or it was paused.
   */
  async commitPage(
    sourceId: string,
    runId: string,
    heldUntil: number,
    progress: RunProgress,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE poll_jobs SET checkpoint = ?3, run_seen = ?4, run_pages = ?5, run_records = ?6,
           records_fetched = records_fetched + ?7, run_failures = 0, updated_at = ?8
         WHERE source_id = ?1 AND run_id = ?2 AND status = 'running' AND lease_until = ?9`,
      )
      .bind(
        sourceId,
        runId,
        JSON.stringify(progress.checkpoint),
        JSON.stringify(progress.seen),
        progress.pages,
        progress.records,
        progress.newRecords,
        now,
        heldUntil,
      )
      .run();
    return changed(result);
  }

  /**
   * Ends the run successfully; the next one starts `intervalMs` after this one started. The last error
   * (and its time) is cleared: it described a failure or a wait this successful run has left behind.
   * False (nothing written, nothing counted) when this invocation no longer holds the run's lease.
   */
  async complete(
    sourceId: string,
    runId: string,
    heldUntil: number,
    progress: RunProgress,
    intervalMs: number,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE poll_jobs SET status = 'idle', checkpoint = ?3, run_seen = '[]', run_pages = ?4, run_records = ?5,
           records_fetched = records_fetched + ?6, run_failures = 0, failed_runs = 0, lease_until = NULL,
           next_run_at = max(coalesce(run_started_at, ?8) + ?7, ?8), last_success_at = ?8, last_run_records = ?5,
           last_error = NULL, last_error_at = NULL, updated_at = ?8
         WHERE source_id = ?1 AND run_id = ?2 AND lease_until = ?9`,
      )
      .bind(
        sourceId,
        runId,
        JSON.stringify(progress.checkpoint),
        progress.pages,
        progress.records,
        progress.newRecords,
        intervalMs,
        now,
        heldUntil,
      )
      .run();
    if (!changed(result)) return false;
    metrics.count("tributary_poll_runs_total", { source: sourceId, outcome: "succeeded" });
    return true;
  }

  /**
   * Ends the run as failed with `error` (visible to operators). The checkpoint stays at the last fully
   * processed page, so the next run re-reads rather than skips. `heldUntil` is the lease the failing
   * invocation holds, or null for a caller that holds none (the consumer giving up on a message whose
   * steps kept throwing): then only while no invocation holds a live lease. `countsFailure` adds this
   * failure to the run's failure count (the last transient error a run allows). False (nothing written,
   * nothing counted) when the lease is not as expected.
   */
  async fail(
    sourceId: string,
    runId: string,
    heldUntil: number | null,
    error: string,
    counts: { pages: number; records: number; newRecords: number },
    intervalMs: number,
    now: number,
    countsFailure = false,
  ): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE poll_jobs SET status = 'failed', failed_runs = failed_runs + 1, run_pages = max(run_pages, ?4), run_records = max(run_records, ?5),
           records_fetched = records_fetched + ?6, lease_until = NULL, last_error = ?3, last_error_at = ?8,
           last_run_records = max(run_records, ?5), next_run_at = max(coalesce(run_started_at, ?8) + ?7, ?8 + ?9),
           run_failures = run_failures + ?11, updated_at = ?8
         WHERE source_id = ?1 AND run_id = ?2
           AND (lease_until = ?10 OR (?10 IS NULL AND (lease_until IS NULL OR lease_until < ?8)))`,
      )
      .bind(
        sourceId,
        runId,
        error.slice(0, 500),
        counts.pages,
        counts.records,
        counts.newRecords,
        intervalMs,
        now,
        FAILED_RETRY_MS,
        heldUntil,
        countsFailure ? 1 : 0,
      )
      .run();
    if (!changed(result)) return false;
    metrics.count("tributary_poll_runs_total", { source: sourceId, outcome: "failed" });
    return true;
  }

  /**
   * Parks the run until `retryAt` (rate budget, 429, transient error) and lets go of its lease: the
   * cron (or a delayed message) resumes it then from its checkpoint. `transient` counts a failure toward
   * the run's limit. False (nothing written) when this invocation no longer holds the run's lease.
   */
  async wait(
    sourceId: string,
    runId: string,
    heldUntil: number,
    retryAt: number,
    reason: string,
    transient: boolean,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE poll_jobs SET status = 'waiting', next_run_at = ?3, lease_until = NULL, last_error = ?4,
           last_error_at = ?5, run_failures = run_failures + ?6, updated_at = ?5
         WHERE source_id = ?1 AND run_id = ?2 AND lease_until = ?7`,
      )
      .bind(sourceId, runId, retryAt, reason.slice(0, 500), now, transient ? 1 : 0, heldUntil)
      .run();
    return changed(result);
  }

  /**
   * Undoes a dispatch whose queue message was never sent (the queue refused it): the run is parked
   * `waiting`, due again at `now`, with `reason` as its last error, so the next cron tick (or a run-now)
   * sends it again instead of leaving it `running` with no message. Only a run no poller has claimed
   * (no lease) is moved. True when the job was moved.
   */
  async undispatch(sourceId: string, runId: string, reason: string, now: number): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE poll_jobs SET status = 'waiting', next_run_at = ?4, lease_until = NULL, last_error = ?3,
           last_error_at = ?4, updated_at = ?4
         WHERE source_id = ?1 AND run_id = ?2 AND status = 'running' AND lease_until IS NULL`,
      )
      .bind(sourceId, runId, reason.slice(0, 500), now)
      .run();
    return (result.meta.changes ?? 0) > 0;
  }

  /**
   * Extends the lease of the invocation that holds it until `heldUntil` (the lease it took or last
   * extended): the run is making progress, so the cron must not treat it as lost. Returns the new lease
   * end, or null when this invocation no longer holds the job (lease ended and another claimed it, run
   * ended, paused): the caller must stop. Fenced on the exact lease value, so a run the cron re-dispatched
   * after its lease ran out cannot take the job back from its successor.
   */
  async heartbeat(sourceId: string, runId: string, heldUntil: number, now: number): Promise<number | null> {
    const until = Math.max(now + LEASE_MS, heldUntil + 1);
    const result = await this.db
      .prepare(
        `UPDATE poll_jobs SET lease_until = ?4, updated_at = ?5
         WHERE source_id = ?1 AND run_id = ?2 AND status = 'running' AND lease_until = ?3`,
      )
      .bind(sourceId, runId, heldUntil, until, now)
      .run();
    return (result.meta.changes ?? 0) > 0 ? until : null;
  }

  /**
   * Lets go of the lease this invocation holds (`heldUntil`, as it last wrote it), so the run's
   * continuation message (or the queue's retry of a step that threw) can claim the run at once. A lease
   * taken over meanwhile is kept: false then, and the caller must not send a continuation.
   */
  async release(sourceId: string, runId: string, heldUntil: number): Promise<boolean> {
    const result = await this.db
      .prepare(
        "UPDATE poll_jobs SET lease_until = NULL WHERE source_id = ? AND run_id = ? AND lease_until = ?",
      )
      .bind(sourceId, runId, heldUntil)
      .run();
    return changed(result);
  }

  /** The job of `sourceId`, or null. */
  async get(sourceId: string): Promise<PollJob | null> {
    const row = await this.db
      .prepare("SELECT * FROM poll_jobs WHERE source_id = ?")
      .bind(sourceId)
      .first<Row>();
    return row ? toJob(row) : null;
  }

  /**
   * A page of poll jobs in source id order (the primary key), each with its source's name and type and
   * its rate budget: those after `afterSourceId`, optionally only those with `status` (or paused). `next`
   * is the source id to continue after when more follow.
   */
  async page(query: {
    status?: PollJob["status"] | "paused";
    afterSourceId?: string;
    limit: number;
  }): Promise<{ data: PollJobListing[]; next: string | null }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.afterSourceId !== undefined) {
      where.push("j.source_id > ?");
      params.push(query.afterSourceId);
    }
    if (query.status === "paused") where.push("j.paused = 1");
    else if (query.status !== undefined) {
      where.push("j.status = ?");
      params.push(query.status);
    }
    const { results } = await this.db
      .prepare(
        `SELECT j.*, s.name AS source_name, s.type AS source_type, r.window_start AS rb_window_start,
           r.used AS rb_used, r.next_allowed_at AS rb_next_allowed_at, r.backoff_attempts AS rb_backoff_attempts,
           r.last_reason AS rb_last_reason
         FROM poll_jobs j JOIN sources s ON s.id = j.source_id LEFT JOIN rate_budgets r ON r.source_id = j.source_id
         ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY j.source_id LIMIT ?`,
      )
      .bind(...params, query.limit + 1)
      .all<Row>();
    const data = results.slice(0, query.limit).map((row) => ({
      job: toJob(row),
      source: { name: row.source_name as string, type: row.source_type as string },
      budget:
        row.rb_window_start === null
          ? null
          : {
              windowStart: row.rb_window_start as number,
              used: row.rb_used as number,
              nextAllowedAt: row.rb_next_allowed_at as number,
              backoffAttempts: row.rb_backoff_attempts as number,
              lastReason: (row.rb_last_reason as string | null) ?? null,
            },
    }));
    return { data, next: results.length > query.limit ? data.at(-1)!.job.sourceId : null };
  }

  /** Pauses the job: no new run starts, and a run in progress stops at its next page (kept to resume). */
  async pause(sourceId: string, now: number): Promise<PollJob | null> {
    const row = await this.db
      .prepare(
        `UPDATE poll_jobs SET paused = 1, status = CASE WHEN status = 'running' THEN 'waiting' ELSE status END,
           updated_at = ?2 WHERE source_id = ?1 RETURNING *`,
      )
      .bind(sourceId, now)
      .first<Row>();
    return row ? toJob(row) : null;
  }

  /** Resumes a paused job; a run that was in progress continues at the next cron tick. */
  async resume(sourceId: string, now: number): Promise<PollJob | null> {
    const row = await this.db
      .prepare(
        `UPDATE poll_jobs SET paused = 0,
           next_run_at = CASE WHEN status = 'waiting' THEN min(next_run_at, ?2) ELSE next_run_at END, updated_at = ?2
         WHERE source_id = ?1 RETURNING *`,
      )
      .bind(sourceId, now)
      .first<Row>();
    return row ? toJob(row) : null;
  }

  /**
   * Forgets the checkpoint (cursor / watermark) so the next run reads from the start; a parked run is
   * ended. Refused (null) while a poller holds the job. An expired lease is cleared, so a poller that
   * stalled past it cannot write its checkpoint or outcome over the reset.
   */
  async resetCursor(sourceId: string, now: number): Promise<PollJob | null> {
    const row = await this.db
      .prepare(
        `UPDATE poll_jobs SET checkpoint = '{}', run_seen = '[]', lease_until = NULL,
           status = CASE WHEN status IN ('running', 'waiting') THEN 'idle' ELSE status END, updated_at = ?2
         WHERE source_id = ?1 AND NOT (status = 'running' AND lease_until IS NOT NULL AND lease_until >= ?2)
         RETURNING *`,
      )
      .bind(sourceId, now)
      .first<Row>();
    return row ? toJob(row) : null;
  }

  /** Makes the job due now (unless paused or running) and dispatches it; null when it cannot run now. */
  async runNow(sourceId: string, now: number): Promise<{ sourceId: string; runId: string } | null> {
    await this.db
      .prepare(
        "UPDATE poll_jobs SET next_run_at = ?2 WHERE source_id = ?1 AND paused = 0 AND status != 'running'",
      )
      .bind(sourceId, now)
      .run();
    const [dispatched] = await this.dispatchDue(now, 1, sourceId);
    return dispatched ?? null;
  }
}

/** Whether a conditional UPDATE changed a row. */
function changed(result: D1Result): boolean {
  return (result.meta.changes ?? 0) > 0;
}

function toJob(row: Row): PollJob {
  return {
    sourceId: row.source_id as string,
    workspace: row.workspace as string,
    status: row.status as PollJob["status"],
    paused: Boolean(row.paused),
    runId: (row.run_id as string | null) ?? null,
    checkpoint: JSON.parse((row.checkpoint as string) || "{}") as Checkpoint,
    runSeen: JSON.parse((row.run_seen as string) || "[]") as string[],
    runPages: row.run_pages as number,
    runRecords: row.run_records as number,
    runFailures: row.run_failures as number,
    runStartedAt: (row.run_started_at as number | null) ?? null,
    leaseUntil: (row.lease_until as number | null) ?? null,
    nextRunAt: row.next_run_at as number,
    lastRunAt: (row.last_run_at as number | null) ?? null,
    lastSuccessAt: (row.last_success_at as number | null) ?? null,
    lastRunRecords: (row.last_run_records as number | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    lastErrorAt: (row.last_error_at as number | null) ?? null,
    recordsFetched: row.records_fetched as number,
    updatedAt: row.updated_at as number,
  };
}
