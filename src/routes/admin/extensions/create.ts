import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { workspaceDb } from "../../../db/workspace-db";
import type { AppEnv } from "../../../lib/env";
import { log } from "../../../lib/log";
import { assertConfiguredTarget } from "../../../lib/outbound/configured";
import { problemResponses } from "../../openapi";
import { assertOwnFieldPaths } from "../field-paths";
import { CreateExtensionSchema, ExtensionSchema, extensionView } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/v1/admin/extensions",
  operationId: "createExtension",
  tags: ["admin"],
  summary: "Create an extension (enrichment) of a workspace",
  security: [{ adminToken: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateExtensionSchema } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: ExtensionSchema } } },
    ...problemResponses(400, 401, 409, 503),
  },
});

/** Registers POST /v1/admin/extensions. */
export function registerCreateExtension(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace, name, mode, system, position, enabled, secret, ...config } = c.req.valid("json");
    assertOwnFieldPaths(config.match.conditions);
    assertConfiguredTarget(c.env, "endpoint", config.endpoint);
    const extension = await c.var.services.extensions(workspaceDb(c.env, workspace)).create({
      workspace,
      name,
      mode,
      system,
      position,
      enabled,
      secret,
      config,
    });
    log.info("extension_created", { extensionId: extension.id, workspace, mode });
    return c.json(extensionView(extension), 201);
  });
}
