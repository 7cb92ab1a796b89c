import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { forgetWriteKey } from "../../edge/write-key-cache";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { WriteKeyParamsSchema, WriteKeySchema, writeKeyView } from "./write-key-schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/sources/{sourceId}/write-keys/{keyId}",
  operationId: "revokeWriteKey",
  tags: ["admin"],
  summary: "Revoke a write key; requests with it answer 401 from then on",
  security: [{ adminToken: [] }],
  request: { params: WriteKeyParamsSchema },
  responses: {
    200: { description: "The revoked key", content: { "application/json": { schema: WriteKeySchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers DELETE /v1/admin/sources/{sourceId}/write-keys/{keyId}. Revoking twice is harmless. */
export function registerRevokeWriteKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId, keyId } = c.req.valid("param");
    const store = c.var.services.writeKeys;
    const record = await store.revoke(sourceId, keyId);
    if (!record) throw new ApiError("not_found", "This source has no write key with this id");
    // Refused at once here; elsewhere within the edge cache's bound (WRITE_KEY_PROPAGATION_BOUND_MS).
    const hash = await store.hashOf(sourceId, keyId);
    if (hash) await forgetWriteKey(hash);
    log.info("write_key_revoked", { sourceId, keyId });
    return c.json(writeKeyView(record), 200);
  });
}
