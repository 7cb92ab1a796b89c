import { z } from "@hono/zod-openapi";
import type { ReplayJob } from "../../../deliveries/replay-jobs";
import { DeadLetterFilterSchema } from "../delivery-schemas";

/** A bulk replay of dead letters, as the admin API shows it. */
export const ReplayJobSchema = z
  .object({
    id: z.string(),
    filter: z
      .object({
        sourceId: z.string().optional(),
        reason: z.string().optional(),
        from: z.string().optional(),
        to: z.string().optional(),
      })
      .openapi({ description: "The dead-letter filter it replays (times ISO-8601)" }),
    status: z.enum(["running", "done"]),
    total: z.number().int().openapi({ description: "Dead letters that matched when the job started" }),
    replayed: z.number().int(),
    error: z
      .string()
      .nullable()
      .openapi({ description: "The last failure (the queue refused a batch); the next step retries" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("ReplayJob");

/** A bulk replay of dead letters, as the admin API shows it. */
export type ReplayJobView = z.infer<typeof ReplayJobSchema>;

/** POST /v1/admin/replay-jobs body: a dead-letter filter, and `dryRun` to count without replaying. */
export const CreateReplayJobSchema = DeadLetterFilterSchema.extend({
  dryRun: z
    .boolean()
    .default(false)
    .openapi({ description: "Only count the matching dead letters (nothing is replayed or stored)" }),
})
  .strict()
  .openapi("CreateReplayJob");

/** POST /v1/admin/replay-jobs body. */
export type CreateReplayJob = z.input<typeof CreateReplayJobSchema>;

/** POST /v1/admin/replay-jobs answer to a dry run. */
export const ReplayDryRunSchema = z
  .object({ dryRun: z.literal(true), matching: z.number().int() })
  .openapi("ReplayDryRun");

/** POST /v1/admin/replay-jobs answer to a dry run. */
export type ReplayDryRun = z.infer<typeof ReplayDryRunSchema>;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Shapes a replay job for the API. */
export function replayJobView(job: ReplayJob): ReplayJobView {
  return {
    id: job.id,
    filter: {
      ...(job.filter.sourceId === undefined ? {} : { sourceId: job.filter.sourceId }),
      ...(job.filter.reason === undefined ? {} : { reason: job.filter.reason }),
      ...(job.filter.from === undefined ? {} : { from: iso(job.filter.from) }),
      ...(job.filter.to === undefined ? {} : { to: iso(job.filter.to) }),
    },
    status: job.status,
    total: job.total,
    replayed: job.replayed,
    error: job.error,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
  };
}

/** Path parameter of GET /v1/admin/replay-jobs/{jobId}. */
export const ReplayJobIdParamSchema = z.object({ jobId: z.string().min(1).max(64) });
