import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { workspaceDb } from "../../../db/workspace-db";
import type { AppEnv } from "../../../lib/env";
import { problemResponses } from "../../openapi";
import { IndicatorSchema, indicatorView, WorkspaceQuerySchema } from "./schemas";

/** GET /v1/admin/indicators response. */
export const IndicatorListSchema = z.object({ data: z.array(IndicatorSchema) }).openapi("IndicatorList");

const route = createRoute({
  method: "get",
  path: "/v1/admin/indicators",
  operationId: "listIndicators",
  tags: ["admin"],
  summary: "List a workspace's activity indicator definitions",
  security: [{ adminToken: [] }],
  request: { query: WorkspaceQuerySchema },
  responses: {
    200: {
      description: "Definitions by name",
      content: { "application/json": { schema: IndicatorListSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/indicators. */
export function registerListIndicators(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("query");
    const records = await c.var.services.indicators(workspaceDb(c.env, workspace)).list(workspace);
    return c.json({ data: records.map(indicatorView) }, 200);
  });
}
