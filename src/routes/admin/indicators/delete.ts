import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { problemResponses } from "../../openapi";
import { IndicatorIdParamSchema } from "./schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/indicators/{indicatorId}",
  operationId: "deleteIndicator",
  tags: ["admin"],
  summary: "Delete an activity indicator; profiles stop showing it",
  security: [{ adminToken: [] }],
  request: { params: IndicatorIdParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404, 503) },
});

/** Registers DELETE /v1/admin/indicators/{indicatorId}. */
export function registerDeleteIndicator(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { indicatorId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "indicator_definitions", indicatorId);
    if (!db || !(await c.var.services.indicators(db).delete(indicatorId)))
      throw new ApiError("indicator_not_found");
    log.info("indicator_deleted", { indicatorId });
    return c.body(null, 204);
  });
}
