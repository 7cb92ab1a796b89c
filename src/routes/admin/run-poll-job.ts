import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { loadPollJob, pollJobAction, pollJobProblems, pollJobResponse } from "./poll-job-route";

const route = createRoute({
  ...pollJobAction(
    "run",
    "Run a poll job now",
    "Starts a run at once instead of waiting for the schedule (a parked run resumes). 409 while a run is in progress or the job is paused; 503 `queue_unavailable` when the poll queue refuses the run's message (the job is then left `waiting`, due at once, with the refusal as its last error).",
  ),
  operationId: "runPollJob",
  responses: { 202: pollJobResponse, ...pollJobProblems },
});

/** Registers POST /v1/admin/sources/{sourceId}/poll-job/run. */
export function registerRunPollJob(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const now = Date.now();
    await loadPollJob(c, sourceId, now);
    const dispatched = await c.var.services.pollJobs.runNow(sourceId, now);
    if (!dispatched) throw new ApiError("poll_job_busy", "A run is in progress or the job is paused");
    try {
      await c.env.POLL_QUEUE.send({ type: "poll", ...dispatched });
    } catch (error) {
      // Never leave the job `running` with no message: park it due now, with the refusal on the job.
      await c.var.services.pollJobs.undispatch(
        sourceId,
        dispatched.runId,
        `not started: the poll queue refused the message (${String(error).slice(0, 200)}); retry the run or wait for the next cron tick`,
        now,
      );
      log.error("poll_job_not_sent", {
        sourceId,
        runId: dispatched.runId,
        error: String(error).slice(0, 300),
      });
      throw new ApiError("queue_unavailable", "The poll queue refused the run's message; retry later", {
        headers: { "retry-after": "5" },
      });
    }
    log.info("poll_job_run_now", { sourceId, runId: dispatched.runId });
    return c.json(await loadPollJob(c, sourceId), 202);
  });
}
