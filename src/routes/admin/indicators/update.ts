import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import { UpdateIndicatorSchema } from "../../../indicators/definitions";
import { recomputerFor } from "../../../indicators/recompute";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { problemResponses } from "../../openapi";
import { assertOwnFieldPaths } from "../field-paths";
import { IndicatorIdParamSchema, IndicatorSchema, indicatorView } from "./schemas";

const route = createRoute({
  method: "patch",
  path: "/v1/admin/indicators/{indicatorId}",
  operationId: "updateIndicator",
  tags: ["admin"],
  summary: "Change an activity indicator; a change to what it computes recomputes it from stored events",
  security: [{ adminToken: [] }],
  request: {
    params: IndicatorIdParamSchema,
    body: { required: true, content: { "application/json": { schema: UpdateIndicatorSchema } } },
  },
  responses: {
    200: {
      description: "The changed definition",
      content: { "application/json": { schema: IndicatorSchema } },
    },
    ...problemResponses(400, 401, 404, 409, 503),
  },
});

/** Registers PATCH /v1/admin/indicators/{indicatorId}. */
export function registerUpdateIndicator(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { indicatorId } = c.req.valid("param");
    const input = c.req.valid("json");
    assertOwnFieldPaths(input.conditions, input.field);
    const db = await databaseHolding(c.env, "indicator_definitions", indicatorId);
    const updated = db && (await c.var.services.indicators(db).update(indicatorId, input));
    if (!updated) throw new ApiError("indicator_not_found");
    if (updated.recompute)
      await recomputerFor(c.env, updated.record.workspace).start(updated.record.workspace);
    log.info("indicator_updated", { indicatorId, recompute: updated.recompute });
    return c.json(indicatorView(updated.record), 200);
  });
}
