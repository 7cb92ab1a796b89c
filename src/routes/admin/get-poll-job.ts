import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { loadPollJob, PollJobParamSchema } from "./poll-job-route";
import { PollJobSchema } from "./poll-job-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources/{sourceId}/poll-job",
  operationId: "getPollJob",
  tags: ["admin", "polling"],
  summary: "Get a source's poll job: status, last and next run, checkpoint, last error, records fetched",
  security: [{ adminToken: [] }],
  request: { params: PollJobParamSchema },
  responses: {
    200: { description: "The poll job", content: { "application/json": { schema: PollJobSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/sources/{sourceId}/poll-job. */
export function registerGetPollJob(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => c.json(await loadPollJob(c, c.req.valid("param").sourceId), 200));
}
