import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { database } from "../../db/client";
import type { AppEnv } from "../../lib/env";
import { SourceStore } from "../../sources/store";
import { problemResponses } from "../openapi";
import { baseUrl } from "./create-source";
import { SourceSchema, sourceView } from "./source-schemas";

/** GET /v1/admin/sources response. */
export const SourceListSchema = z.object({ data: z.array(SourceSchema) }).openapi("SourceList");

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources",
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
    const sources = await new SourceStore(database(c.env.DB), c.env.SECRETS_KEY).list();
    const base = baseUrl(c.env.PUBLIC_BASE_URL, c.req.url);
    return c.json({ data: sources.map((s) => sourceView(s, base)) }, 200);
  });
}
