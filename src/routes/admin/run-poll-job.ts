import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { loadPollJob, pollJobAction, pollJobProblems, pollJobResponse } from "./poll-job-route";

const route = createRoute({
  ...pollJobAction(
    "run",
    "Run a poll job now",
    "Starts a run at once instead of waiting for the schedule (a parked run resumes). 409 while a run is in progress or the job is paused.",
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
    await c.env.POLL_QUEUE.send({ type: "poll", ...dispatched });
    log.info("poll_job_run_now", { sourceId, runId: dispatched.runId });
    return c.json(await loadPollJob(c, sourceId), 202);
  });
}
