import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { forgetSource } from "../../edge/source-cache";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { SourceSecretsSchema, secretsView } from "./secret-schemas";
import { SourceIdParamSchema } from "./source-schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/sources/{sourceId}/secret-rotations/previous",
  operationId: "revokePreviousSecret",
  tags: ["admin"],
  summary: "End a rotation window early: only the current secret keeps working",
  security: [{ adminToken: [] }],
  request: { params: SourceIdParamSchema },
  responses: {
    200: {
      description: "The remaining secret",
      content: { "application/json": { schema: SourceSecretsSchema } },
    },
    ...problemResponses(401, 404, 409, 503),
  },
});

/** Registers DELETE /v1/admin/sources/{sourceId}/secret-rotations/previous. */
export function registerRevokePreviousSecret(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const store = c.var.services.sources;
    const secrets = await store.revokePreviousSecrets(sourceId);
    if (!secrets) throw new ApiError("source_not_found");
    await forgetSource(sourceId);
    log.info("source_previous_secret_revoked", { sourceId });
    return c.json(secretsView(sourceId, secrets), 200);
  });
}
