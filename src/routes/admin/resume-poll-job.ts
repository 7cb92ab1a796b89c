import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { loadPollJob, pollJobAction, pollJobProblems, pollJobResponse } from "./poll-job-route";

const route = createRoute({
  ...pollJobAction(
    "resume",
    "Resume a paused poll job",
    "Runs start on schedule again; a run that was paused mid-way continues from its checkpoint at the next cron tick.",
  ),
  operationId: "resumePollJob",
  responses: { 200: pollJobResponse, ...pollJobProblems },
});

/** Registers POST /v1/admin/sources/{sourceId}/poll-job/resume. */
export function registerResumePollJob(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const now = Date.now();
    await loadPollJob(c, sourceId, now);
    await c.var.services.pollJobs.resume(sourceId, now);
    return c.json(await loadPollJob(c, sourceId), 200);
  });
}
