import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { forgetSource } from "../../edge/source-cache";
import { forgetWriteKey } from "../../edge/write-key-cache";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { SourceIdParamSchema } from "./source-schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/sources/{sourceId}",
  operationId: "deleteSource",
  tags: ["admin"],
  summary: "Delete a source; its ingest URL answers 404 from then on",
  security: [{ adminToken: [] }],
  request: { params: SourceIdParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404, 503) },
});

/** Registers DELETE /v1/admin/sources/{sourceId}. */
export function registerDeleteSource(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const keyHashes = await c.var.services.writeKeys.hashesOf(sourceId);
    const deleted = await c.var.services.sources.delete(sourceId);
    if (!deleted) throw new ApiError("source_not_found");
    // Refused at once at this location; elsewhere within the edge caches' bound (40 s).
    await Promise.all([forgetSource(sourceId), ...keyHashes.map(forgetWriteKey)]);
    log.info("source_deleted", { sourceId });
    return c.body(null, 204);
  });
}
