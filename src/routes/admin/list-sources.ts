import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { baseUrl } from "./create-source";
import { SourceSchema, sourceView } from "./source-schemas";

/** GET /v1/admin/sources response. */
export const SourceListSchema = z.object({ data: z.array(SourceSchema) }).openapi("SourceList");

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources",
  operationId: "listSources",
  tags: ["admin"],
  summary: "List sources",
  security: [{ adminToken: [] }],
  responses: {
    200: {
      description: "Sources, newest first",
      content: { "application/json": { schema: SourceListSchema } },
    },
    ...problemResponses(401, 503),
  },
});

/** Registers GET /v1/admin/sources. */
export function registerListSources(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const sources = await c.var.services.sources.list();
    const base = baseUrl(c.var.services.config.publicBaseUrl, c.req.url);
    return c.json({ data: sources.map((s) => sourceView(s, base)) }, 200);
  });
}
