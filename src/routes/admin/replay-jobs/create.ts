import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { advanceReplayJob, countDeadLetters, startReplayJob } from "../../../deliveries/replay-jobs";
import type { AppEnv } from "../../../lib/env";
import { log } from "../../../lib/log";
import { problemResponses } from "../../openapi";
import { epochMs } from "../delivery-schemas";
import { CreateReplayJobSchema, ReplayDryRunSchema, ReplayJobSchema, replayJobView } from "./schemas";

const route = createRoute({
  operationId: "createReplayJob",
  method: "post",
  path: "/v1/admin/replay-jobs",
  tags: ["admin"],
  summary: "Replay every dead letter matching a filter, as a job whose progress can be followed",
  description:
    "With `dryRun: true`, only counts the matching dead letters. Otherwise stores a job (202) that replays them oldest first: the first step runs right after the answer, the cron trigger continues every minute until it is done; follow it with GET /v1/admin/replay-jobs/{jobId}. Dead letters that arrive after the job started are not part of it. An empty filter matches all.",
  security: [{ adminToken: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: CreateReplayJobSchema } } },
  },
  responses: {
    200: {
      description: "Dry run: how many dead letters match",
      content: { "application/json": { schema: ReplayDryRunSchema } },
    },
    202: {
      description: "The job, started",
      content: { "application/json": { schema: ReplayJobSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers POST /v1/admin/replay-jobs. */
export function registerCreateReplayJob(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { dryRun, ...body } = c.req.valid("json");
    const filter = {
      sourceId: body.sourceId,
      reason: body.reason,
      from: epochMs(body.from),
      to: epochMs(body.to),
    };
    if (dryRun)
      return c.json({ dryRun: true as const, matching: await countDeadLetters(c.env.DB, filter) }, 200);
    const job = await startReplayJob(c.env.DB, filter);
    if (job.status === "running")
      c.executionCtx.waitUntil(
        advanceReplayJob(c.env, job.id).catch((error: unknown) => {
          // The cron's next tick takes the job over once the lease expires.
          log.warn("replay_job_step_failed", { jobId: job.id, error: String(error).slice(0, 200) });
        }),
      );
    return c.json(replayJobView(job), 202);
  });
}
