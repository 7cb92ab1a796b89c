import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import { recomputerFor } from "../../../indicators/recompute";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { problemResponses } from "../../openapi";
import { IndicatorIdParamSchema, IndicatorSchema, indicatorView } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/v1/admin/indicators/{indicatorId}/recompute",
  operationId: "recomputeIndicator",
  tags: ["admin"],
  summary:
    "Recompute an activity indicator from stored events; progress on GET /v1/admin/indicators/{indicatorId}",
  security: [{ adminToken: [] }],
  request: { params: IndicatorIdParamSchema },
  responses: {
    202: { description: "Recompute started", content: { "application/json": { schema: IndicatorSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers POST /v1/admin/indicators/{indicatorId}/recompute. */
export function registerRecomputeIndicator(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { indicatorId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "indicator_definitions", indicatorId);
    const record = db && (await c.var.services.indicators(db).recompute(indicatorId));
    if (!record) throw new ApiError("indicator_not_found");
    await recomputerFor(c.env, record.workspace).start(record.workspace);
    log.info("indicator_recompute_requested", { indicatorId, version: record.version });
    return c.json(indicatorView(record), 202);
  });
}
