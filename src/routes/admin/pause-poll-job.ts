import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { loadPollJob, pollJobAction, pollJobProblems, pollJobResponse } from "./poll-job-route";

const route = createRoute({
  ...pollJobAction(
    "pause",
    "Pause a poll job",
    "No run starts while paused; a run in progress stops after its current page and keeps its checkpoint.",
  ),
  operationId: "pausePollJob",
  responses: { 200: pollJobResponse, ...pollJobProblems },
});

/** Registers POST /v1/admin/sources/{sourceId}/poll-job/pause. */
export function registerPausePollJob(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const now = Date.now();
    await loadPollJob(c, sourceId, now);
    await c.var.services.pollJobs.pause(sourceId, now);
    return c.json(await loadPollJob(c, sourceId), 200);
  });
}
