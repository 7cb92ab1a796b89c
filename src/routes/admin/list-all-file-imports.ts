import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { FileImportListSchema, FileImportPageQuerySchema, fileImportPage } from "./list-file-imports";

const route = createRoute({
  method: "get",
  operationId: "listAllFileImports",
  path: "/v1/admin/file-imports",
  tags: ["admin", "files"],
  summary: "List CSV file imports of every source, newest first, with their progress",
  description:
    "Rows read, accepted and rejected so far: an import in progress shows its counts as each chunk commits. Rejection lists are on GET /v1/admin/file-imports/{importId}/rejections.",
  security: [{ adminToken: [] }],
  request: {
    query: FileImportPageQuerySchema.extend({
      sourceId: z.string().min(1).max(64).optional().openapi({ description: "Only this source's imports" }),
    }),
  },
  responses: {
    200: { description: "Imports", content: { "application/json": { schema: FileImportListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/file-imports. */
export function registerListAllFileImports(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => c.json(await fileImportPage(c.env.DB, c.req.valid("query")), 200));
}
