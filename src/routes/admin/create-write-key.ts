import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { SENDERS } from "../../sources/senders";
import { problemResponses } from "../openapi";
import { SourceIdParamSchema } from "./source-schemas";
import {
  CreatedWriteKeySchema,
  type CreateWriteKey,
  CreateWriteKeySchema,
  writeKeyView,
} from "./write-key-schemas";

const route = createRoute({
  method: "post",
  path: "/v1/admin/sources/{sourceId}/write-keys",
  operationId: "createWriteKey",
  tags: ["admin"],
  summary: "Create a write key for an app source (shown once)",
  description:
    "Apps and SDKs send events to /v1/batch, /v1/track, ... with this key. Only its SHA-256 hash is stored: the key is in this answer and nowhere else.",
  security: [{ adminToken: [] }],
  request: {
    params: SourceIdParamSchema,
    body: { required: false, content: { "application/json": { schema: CreateWriteKeySchema } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: CreatedWriteKeySchema } } },
    ...problemResponses(400, 401, 404, 409, 503),
  },
});

/** Registers POST /v1/admin/sources/{sourceId}/write-keys. */
export function registerCreateWriteKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    // The body is optional: without one, valid("json") is undefined.
    const { name } = (c.req.valid("json") as CreateWriteKey | undefined) ?? { name: "default" };
    const source = await c.var.services.sources.getPublic(sourceId);
    if (!source) throw new ApiError("source_not_found");
    if (SENDERS[source.type].ingress !== "write-key")
      throw new ApiError(
        "conflict",
        `Write keys belong to sources of type app; this source is ${source.type}`,
      );
    const { record, key } = await c.var.services.writeKeys.create({
      sourceId,
      workspace: source.workspace,
      name,
    });
    log.info("write_key_created", { sourceId, keyId: record.id });
    c.header("cache-control", "no-store");
    return c.json({ ...writeKeyView(record), writeKey: key }, 201);
  });
}
