import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { FileImportStore } from "../../pull/csv/imports";
import { problemResponses } from "../openapi";
import { decodeCursor, encodeCursor, PageQuerySchema } from "./delivery-schemas";
import { FileImportSchema, fileImportView } from "./file-import-schemas";

/** GET /v1/admin/sources/{sourceId}/file-imports and GET /v1/admin/file-imports response (without rejection lists). */
export const FileImportListSchema = z
  .object({ data: z.array(FileImportSchema), nextCursor: z.string().nullable() })
  .openapi("FileImportList");

/** A page of file imports as the admin API returns it. */
export type FileImportList = z.infer<typeof FileImportListSchema>;

/** `limit` and `cursor` of the import lists (at most 200 per page). */
export const FileImportPageQuerySchema = PageQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources/{sourceId}/file-imports",
  operationId: "listFileImports",
  tags: ["admin", "files"],
  summary: "List a source's CSV file imports, newest first",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ sourceId: z.string().min(1).max(64) }),
    query: FileImportPageQuerySchema,
  },
  responses: {
    200: { description: "Imports", content: { "application/json": { schema: FileImportListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/**
 * A page of imports (of one source, or of all when `sourceId` is undefined) in the list shape.
 * @throws ApiError `validation_failed` for a cursor that is not one of ours
 */
export async function fileImportPage(
  db: D1Database,
  query: { sourceId?: string; limit: number; cursor?: string },
): Promise<FileImportList> {
  const after = decodeCursor(query.cursor);
  const page = await new FileImportStore(db).page({
    ...(query.sourceId !== undefined ? { sourceId: query.sourceId } : {}),
    limit: query.limit,
    ...(after ? { after: { createdAt: after.at, id: after.id } } : {}),
  });
  return {
    data: page.data.map((i) => fileImportView(i, [])),
    nextCursor: encodeCursor(page.next && { at: page.next.createdAt, id: page.next.id }),
  };
}

/** Registers GET /v1/admin/sources/{sourceId}/file-imports. */
export function registerListFileImports(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) =>
    c.json(
      await fileImportPage(c.env.DB, { sourceId: c.req.valid("param").sourceId, ...c.req.valid("query") }),
      200,
    ),
  );
}
