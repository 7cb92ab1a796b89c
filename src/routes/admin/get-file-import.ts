import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { FileImportSchema, fileImportView } from "./file-import-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/file-imports/{importId}",
  operationId: "getFileImport",
  tags: ["admin", "files"],
  summary: "Get a CSV file import's result: rows read, accepted, rejected (row number and reason)",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ importId: z.string().min(1).max(64) }),
    query: z.object({ rejections: z.coerce.number().int().min(0).max(1000).default(100) }),
  },
  responses: {
    200: { description: "The import", content: { "application/json": { schema: FileImportSchema } } },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/file-imports/{importId}. */
export function registerGetFileImport(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const store = c.var.services.fileImports;
    const { importId } = c.req.valid("param");
    const job = await store.get(importId);
    if (!job) throw new ApiError("file_import_not_found");
    return c.json(
      fileImportView(job, await store.rejections(importId, c.req.valid("query").rejections)),
      200,
    );
  });
}
