import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { problemResponses } from "../../openapi";
import { IndicatorIdParamSchema, IndicatorSchema, indicatorView } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/indicators/{indicatorId}",
  operationId: "getIndicator",
  tags: ["admin"],
  summary: "Get an activity indicator definition and its recompute progress",
  security: [{ adminToken: [] }],
  request: { params: IndicatorIdParamSchema },
  responses: {
    200: { description: "The definition", content: { "application/json": { schema: IndicatorSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/indicators/{indicatorId}. */
export function registerGetIndicator(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { indicatorId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "indicator_definitions", indicatorId);
    const record = db && (await c.var.services.indicators(db).get(indicatorId));
    if (!record) throw new ApiError("indicator_not_found");
    return c.json(indicatorView(record), 200);
  });
}
