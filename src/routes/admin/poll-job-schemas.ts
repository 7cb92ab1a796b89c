import { z } from "@hono/zod-openapi";
import type { PollJob } from "../../pull/jobs";
import type { BudgetState } from "../../pull/rate-budget";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A poll job as operators see it: state, schedule, checkpoint, last error, counters and rate budget. */
export const PollJobSchema = z
  .object({
    sourceId: z.string(),
    status: z.enum(["idle", "running", "waiting", "failed"]),
    paused: z.boolean(),
    nextRunAt: z.string(),
    lastRunAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastError: z.string().nullable().openapi({
      description: "Why the job's last run failed or is waiting; null again once a run succeeds",
    }),
    lastErrorAt: z.string().nullable(),
    recordsFetched: z.number().int(),
    lastRunRecords: z.number().int().nullable(),
    /** Where the next page starts: cursor, next link, page, offset or watermark. */
    checkpoint: z.record(z.string(), z.unknown()),
    run: z.object({
      id: z.string().nullable(),
      startedAt: z.string().nullable(),
      pages: z.number().int(),
      records: z.number().int(),
      failures: z.number().int(),
    }),
    rateBudget: z
      .object({
        nextAllowedAt: z.string(),
        windowStart: z.string(),
        used: z.number().int(),
        lastReason: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi("PollJob");

/** A poll job as the admin API returns it. */
export type PollJobView = z.infer<typeof PollJobSchema>;

/** Shapes a poll job (and its source's rate budget) for the admin API. */
export function pollJobView(job: PollJob, budget: BudgetState | null): PollJobView {
  const { lastIds: _ids, ...checkpoint } = job.checkpoint;
  return {
    sourceId: job.sourceId,
    status: job.status,
    paused: job.paused,
    nextRunAt: new Date(job.nextRunAt).toISOString(),
    lastRunAt: iso(job.lastRunAt),
    lastSuccessAt: iso(job.lastSuccessAt),
    lastError: job.lastError,
    lastErrorAt: iso(job.lastErrorAt),
    recordsFetched: job.recordsFetched,
    lastRunRecords: job.lastRunRecords,
    checkpoint,
    run: {
      id: job.runId,
      startedAt: iso(job.runStartedAt),
      pages: job.runPages,
      records: job.runRecords,
      failures: job.runFailures,
    },
    rateBudget: budget
      ? {
          nextAllowedAt: new Date(budget.nextAllowedAt).toISOString(),
          windowStart: new Date(budget.windowStart).toISOString(),
          used: budget.used,
          lastReason: budget.lastReason,
        }
      : null,
  };
}
