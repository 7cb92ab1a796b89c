import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import { externalSystem } from "../../../enrichment/external-system";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { problemResponses } from "../../openapi";
import { ExtensionIdParamSchema, ExtensionSchema, extensionView } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/extensions/{extensionId}",
  operationId: "getExtension",
  tags: ["admin"],
  summary: "Get an extension, with its external system's circuit breaker state",
  security: [{ adminToken: [] }],
  request: { params: ExtensionIdParamSchema },
  responses: {
    200: { description: "The extension", content: { "application/json": { schema: ExtensionSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/extensions/{extensionId}. */
export function registerGetExtension(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { extensionId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "extensions", extensionId);
    const extension = await c.var.services.extensions(db ?? c.env.DB).get(extensionId);
    if (!extension) throw new ApiError("extension_not_found");
    const circuit = await externalSystem(c.env, extension.workspace, extension.system).circuit();
    return c.json(extensionView(extension, circuit), 200);
  });
}
