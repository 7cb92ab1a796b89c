import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { forgetSource } from "../../edge/source-cache";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { SourceSecretsSchema, secretsView } from "./secret-schemas";
import { SourceIdParamSchema } from "./source-schemas";

/** POST /v1/admin/sources/{sourceId}/secret-rotations body. The secret is write-only. */
export const RotateSecretSchema = z
  .object({
    secret: z.string().min(1).max(1024),
    /**
     * How long the previous secret keeps working, seconds (default one day, at most 30 days; 0 ends
     * it now). Senders that sign with both secrets during the window are accepted either way.
     */
    previousSecretTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .default(24 * 3600),
  })
  .openapi("RotateSecret");

/** POST /v1/admin/sources/{sourceId}/secret-rotations body. */
export type RotateSecret = z.infer<typeof RotateSecretSchema>;

const route = createRoute({
  method: "post",
  path: "/v1/admin/sources/{sourceId}/secret-rotations",
  operationId: "rotateSourceSecret",
  tags: ["admin"],
  summary: "Rotate a source's secret without downtime",
  description:
    "The new secret becomes current at once; the previous one keeps working until previousSecretTtlSeconds have passed. A source holds at most two active secrets. Secrets are validated like at creation and never returned.",
  security: [{ adminToken: [] }],
  request: {
    params: SourceIdParamSchema,
    body: { required: true, content: { "application/json": { schema: RotateSecretSchema } } },
  },
  responses: {
    200: {
      description: "Rotated",
      content: { "application/json": { schema: SourceSecretsSchema } },
    },
    ...problemResponses(400, 401, 404, 409, 503),
  },
});

/** Registers POST /v1/admin/sources/{sourceId}/secret-rotations. */
export function registerRotateSourceSecret(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const { secret, previousSecretTtlSeconds } = c.req.valid("json");
    const store = c.var.services.sources;
    const result = await store.rotateSecret(sourceId, secret, previousSecretTtlSeconds * 1000);
    if (!result) throw new ApiError("source_not_found");
    await forgetSource(sourceId);
    log.info("source_secret_rotated", { sourceId, previousSecretTtlSeconds });
    return c.json(secretsView(sourceId, result.secrets, result.warnings), 200);
  });
}
