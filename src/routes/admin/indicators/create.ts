import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { workspaceDb } from "../../../db/workspace-db";
import { CreateIndicatorSchema } from "../../../indicators/definitions";
import { recomputerFor } from "../../../indicators/recompute";
import type { AppEnv } from "../../../lib/env";
import { log } from "../../../lib/log";
import { problemResponses } from "../../openapi";
import { assertOwnFieldPaths } from "../field-paths";
import { IndicatorSchema, indicatorView } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/v1/admin/indicators",
  operationId: "createIndicator",
  tags: ["admin"],
  summary: "Define an activity indicator; it is computed over already stored events in the background",
  security: [{ adminToken: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateIndicatorSchema } } } },
  responses: {
    201: {
      description: "Created; `recompute` reports the backfill's progress",
      content: { "application/json": { schema: IndicatorSchema } },
    },
    ...problemResponses(400, 401, 409, 503),
  },
});

/** Registers POST /v1/admin/indicators. */
export function registerCreateIndicator(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const input = c.req.valid("json");
    assertOwnFieldPaths(input.conditions, input.field);
    const record = await c.var.services.indicators(workspaceDb(c.env, input.workspace)).create(input);
    await recomputerFor(c.env, record.workspace).start(record.workspace);
    log.info("indicator_created", { indicatorId: record.id, workspace: record.workspace });
    return c.json(indicatorView(record), 201);
  });
}
