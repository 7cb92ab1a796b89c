import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { workspaceDb } from "../../../db/workspace-db";
import type { AppEnv } from "../../../lib/env";
import { problemResponses } from "../../openapi";
import { ExtensionSchema, extensionView, WorkspaceQuerySchema } from "./schemas";

/** GET /v1/admin/extensions response. */
export const ExtensionListSchema = z.object({ data: z.array(ExtensionSchema) }).openapi("ExtensionList");

const route = createRoute({
  method: "get",
  path: "/v1/admin/extensions",
  operationId: "listExtensions",
  tags: ["admin"],
  summary: "List a workspace's extensions in run order",
  security: [{ adminToken: [] }],
  request: { query: WorkspaceQuerySchema },
  responses: {
    200: { description: "Extensions", content: { "application/json": { schema: ExtensionListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/extensions. */
export function registerListExtensions(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const extensions = await c.var.services
      .extensions(workspaceDb(c.env, c.req.valid("query").workspace))
      .list(c.req.valid("query").workspace);
    return c.json({ data: extensions.map((e) => extensionView(e)) }, 200);
  });
}
