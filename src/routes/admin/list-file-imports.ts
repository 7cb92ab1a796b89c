import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { FileImportSchema, fileImportView } from "./file-import-schemas";

/** GET /v1/admin/sources/{sourceId}/file-imports response (without rejection lists). */
export const FileImportListSchema = z.object({ data: z.array(FileImportSchema) }).openapi("FileImportList");

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources/{sourceId}/file-imports",
  operationId: "listFileImports",
  tags: ["admin", "files"],
  summary: "List a source's CSV file imports, newest first",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ sourceId: z.string().min(1).max(64) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
  },
  responses: {
    200: { description: "Imports", content: { "application/json": { schema: FileImportListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/sources/{sourceId}/file-imports. */
export function registerListFileImports(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const imports = await c.var.services.fileImports.list(
      c.req.valid("param").sourceId,
      c.req.valid("query").limit,
    );
    return c.json({ data: imports.map((i) => fileImportView(i, [])) }, 200);
  });
}
