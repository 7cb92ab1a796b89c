import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getReplayJob } from "../../../deliveries/replay-jobs";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { problemResponses } from "../../openapi";
import { ReplayJobIdParamSchema, ReplayJobSchema, replayJobView } from "./schemas";

const route = createRoute({
  operationId: "getReplayJob",
  method: "get",
  path: "/v1/admin/replay-jobs/{jobId}",
  tags: ["admin"],
  summary: "A bulk replay's progress: matched at the start, replayed so far, status, last error",
  security: [{ adminToken: [] }],
  request: { params: ReplayJobIdParamSchema },
  responses: {
    200: { description: "The job", content: { "application/json": { schema: ReplayJobSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/replay-jobs/{jobId}. */
export function registerGetReplayJob(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const job = await getReplayJob(c.env.DB, c.req.valid("param").jobId);
    if (!job) throw new ApiError("replay_job_not_found");
    return c.json(replayJobView(job), 200);
  });
}
