import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The poll job of a source that pulls (REST API, CSV by URL, R2 file drop): one row per source with a
 * `poll` config. The scheduler (cron) flips due jobs to `running` and enqueues them; the poller claims
 * a lease, fetches page by page and commits `checkpoint` only after a page's records are enqueued, so
 * a crash re-reads rather than skips. Times are epoch milliseconds.
 *
 * status: `idle` (between runs), `running` (a run is queued or being fetched), `waiting` (a run paused by
 * the source's rate budget, a 429 or a transient error; resumes at `next_run_at`), `failed` (the last
 * run stopped with `last_error`; the next run starts on schedule).
 */
export const pollJobs = sqliteTable(
  "poll_jobs",
  {
    sourceId: text("source_id").primaryKey(),
    workspace: text("workspace").notNull(),
    status: text("status").notNull().default("idle"),
    paused: integer("paused", { mode: "boolean" }).notNull().default(false),
    /** The current (or last) run; continuation messages carry it so stale ones are dropped. */
    runId: text("run_id"),
    /** Where the next page starts (strategy-specific JSON: cursor, next URL, page, offset, watermark). */
    checkpoint: text("checkpoint", { mode: "json" }).notNull().$type<Record<string, unknown>>().default({}),
    /** Short hashes of the checkpoints already fetched in this run: the loop guard. */
    runSeen: text("run_seen", { mode: "json" }).notNull().$type<string[]>().default([]),
    runPages: integer("run_pages").notNull().default(0),
    runRecords: integer("run_records").notNull().default(0),
    /** Consecutive transient failures in this run (5xx, network); reset by a good page. */
    runFailures: integer("run_failures").notNull().default(0),
    /** Runs in a row that ended `failed`; reset by a run that completes. */
    failedRuns: integer("failed_runs").notNull().default(0),
    runStartedAt: integer("run_started_at"),
    /** A poller holds the job until this time; another message for the run waits or is dropped. */
    leaseUntil: integer("lease_until"),
    nextRunAt: integer("next_run_at").notNull(),
    lastRunAt: integer("last_run_at"),
    lastSuccessAt: integer("last_success_at"),
    lastRunRecords: integer("last_run_records"),
    lastError: text("last_error"),
    lastErrorAt: integer("last_error_at"),
    recordsFetched: integer("records_fetched").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("poll_jobs_due_idx").on(t.paused, t.status, t.nextRunAt)],
);
