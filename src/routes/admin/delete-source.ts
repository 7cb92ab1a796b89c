import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { database } from "../../db/client";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { SourceStore } from "../../sources/store";
import { problemResponses } from "../openapi";
import { SourceIdParamSchema } from "./source-schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/sources/{sourceId}",
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
    const deleted = await new SourceStore(database(c.env.DB), c.env.SECRETS_KEY).delete(sourceId);
    if (!deleted) throw new ApiError("source_not_found");
    log.info("source_deleted", { sourceId });
    return c.body(null, 204);
  });
}
