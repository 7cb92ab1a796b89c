import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listReplayJobs } from "../../../deliveries/replay-jobs";
import type { AppEnv } from "../../../lib/env";
import { problemResponses } from "../../openapi";
import { ReplayJobSchema, replayJobView } from "./schemas";

/** GET /v1/admin/replay-jobs response. */
export const ReplayJobListSchema = z.object({ data: z.array(ReplayJobSchema) }).openapi("ReplayJobList");

/** GET /v1/admin/replay-jobs response. */
export type ReplayJobList = z.infer<typeof ReplayJobListSchema>;

const route = createRoute({
  operationId: "listReplayJobs",
  method: "get",
  path: "/v1/admin/replay-jobs",
  tags: ["admin"],
  summary: "The newest bulk replays, running or done",
  security: [{ adminToken: [] }],
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: {
    200: {
      description: "Jobs, newest first",
      content: { "application/json": { schema: ReplayJobListSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/replay-jobs. */
export function registerListReplayJobs(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const jobs = await listReplayJobs(c.env.DB, c.req.valid("query").limit);
    return c.json({ data: jobs.map(replayJobView) }, 200);
  });
}
