import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { problemResponses } from "../../openapi";
import { ExtensionIdParamSchema } from "./schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/extensions/{extensionId}",
  operationId: "deleteExtension",
  tags: ["admin"],
  summary: "Delete an extension; its pending async enrichments are abandoned",
  security: [{ adminToken: [] }],
  request: { params: ExtensionIdParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404, 503) },
});

/** Registers DELETE /v1/admin/extensions/{extensionId}. */
export function registerDeleteExtension(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { extensionId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "extensions", extensionId);
    if (!db || !(await c.var.services.extensions(db).delete(extensionId)))
      throw new ApiError("extension_not_found");
    log.info("extension_deleted", { extensionId });
    return c.body(null, 204);
  });
}
