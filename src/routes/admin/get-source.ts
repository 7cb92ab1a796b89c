import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { baseUrl } from "./create-source";
import { SourceIdParamSchema, SourceSchema, sourceView } from "./source-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources/{sourceId}",
  operationId: "getSource",
  tags: ["admin"],
  summary: "Get a source",
  security: [{ adminToken: [] }],
  request: { params: SourceIdParamSchema },
  responses: {
    200: { description: "The source", content: { "application/json": { schema: SourceSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/sources/{sourceId}. */
export function registerGetSource(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const source = await c.var.services.sources.get(sourceId);
    if (!source) throw new ApiError("source_not_found");
    const { secrets: _secrets, ...publicSource } = source;
    return c.json(sourceView(publicSource, baseUrl(c.var.services.config.publicBaseUrl, c.req.url)), 200);
  });
}
