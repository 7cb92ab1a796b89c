import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { loadPollJob, pollJobAction, pollJobProblems, pollJobResponse } from "./poll-job-route";

const route = createRoute({
  ...pollJobAction(
    "reset-cursor",
    "Reset a poll job's cursor / watermark",
    "The next run reads from the start (records already stored are recognized as duplicates). A parked run is ended. 409 while a poller is fetching.",
  ),
  operationId: "resetPollCursor",
  responses: { 200: pollJobResponse, ...pollJobProblems },
});

/** Registers POST /v1/admin/sources/{sourceId}/poll-job/reset-cursor. */
export function registerResetPollCursor(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const now = Date.now();
    await loadPollJob(c, sourceId, now);
    const reset = await c.var.services.pollJobs.resetCursor(sourceId, now);
    if (!reset)
      throw new ApiError("poll_job_busy", "A poller is fetching this job right now; retry in a moment");
    log.info("poll_cursor_reset", { sourceId });
    return c.json(await loadPollJob(c, sourceId), 200);
  });
}
