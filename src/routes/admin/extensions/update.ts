import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import { ExtensionConfigSchema } from "../../../enrichment/config";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { assertConfiguredTarget } from "../../../lib/outbound/configured";
import { problemResponses } from "../../openapi";
import { assertOwnFieldPaths } from "../field-paths";
import { ExtensionIdParamSchema, ExtensionSchema, extensionView, UpdateExtensionSchema } from "./schemas";

const route = createRoute({
  method: "patch",
  path: "/v1/admin/extensions/{extensionId}",
  operationId: "updateExtension",
  tags: ["admin"],
  summary: "Change an extension (giving `secret` rotates it)",
  security: [{ adminToken: [] }],
  request: {
    params: ExtensionIdParamSchema,
    body: { required: true, content: { "application/json": { schema: UpdateExtensionSchema } } },
  },
  responses: {
    200: {
      description: "The changed extension",
      content: { "application/json": { schema: ExtensionSchema } },
    },
    ...problemResponses(400, 401, 404, 409, 503),
  },
});

/** Registers PATCH /v1/admin/extensions/{extensionId}. */
export function registerUpdateExtension(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { extensionId } = c.req.valid("param");
    const { name, mode, system, position, enabled, secret, limits, ...rest } = c.req.valid("json");
    assertOwnFieldPaths(rest.match?.conditions);
    const store = c.var.services.extensions(
      (await databaseHolding(c.env, "extensions", extensionId)) ?? c.env.DB,
    );
    const current = await store.get(extensionId);
    if (!current) throw new ApiError("extension_not_found");
    const parsed = ExtensionConfigSchema.safeParse({
      ...current.config,
      ...rest,
      limits: { ...current.config.limits, ...limits },
    });
    if (!parsed.success) throw new ApiError("validation_failed", parsed.error.issues[0]?.message);
    const config = parsed.data;
    if (rest.endpoint !== undefined) assertConfiguredTarget(c.env, "endpoint", config.endpoint);
    const updated = await store.update(extensionId, {
      name,
      mode,
      system,
      position,
      enabled,
      secret,
      config,
    });
    if (!updated) throw new ApiError("extension_not_found");
    log.info("extension_updated", { extensionId, secretRotated: secret !== undefined });
    return c.json(extensionView(updated), 200);
  });
}
