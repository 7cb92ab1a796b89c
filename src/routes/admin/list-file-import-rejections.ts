import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { FileImportStore, MAX_STORED_REJECTIONS } from "../../pull/csv/imports";
import { problemResponses } from "../openapi";
import { RejectionSchema } from "./file-import-schemas";

/** GET /v1/admin/file-imports/{importId}/rejections response. */
export const FileImportRejectionListSchema = z
  .object({
    data: z.array(RejectionSchema),
    /** Rows rejected in all, including those past the stored ones. */
    rejected: z.number().int(),
    nextCursor: z.string().nullable(),
  })
  .openapi("FileImportRejectionList");

/** GET /v1/admin/file-imports/{importId}/rejections response. */
export type FileImportRejectionList = z.infer<typeof FileImportRejectionListSchema>;

const route = createRoute({
  method: "get",
  operationId: "listFileImportRejections",
  path: "/v1/admin/file-imports/{importId}/rejections",
  tags: ["admin", "files"],
  summary: "Page through a file import's rejected rows, by row number, with the reason of each",
  description: `The first ${MAX_STORED_REJECTIONS} rejections of an import are kept; \`rejected\` counts them all.`,
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ importId: z.string().min(1).max(64) }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z
        .string()
        .regex(/^\d{1,9}$/, "a nextCursor of a previous page")
        .optional()
        .openapi({ description: "`nextCursor` of the previous page" }),
    }),
  },
  responses: {
    200: {
      description: "Rejected rows",
      content: { "application/json": { schema: FileImportRejectionListSchema } },
    },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/file-imports/{importId}/rejections. */
export function registerListFileImportRejections(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { importId } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const store = new FileImportStore(c.env.DB);
    const job = await store.get(importId);
    if (!job) throw new ApiError("file_import_not_found");
    // The cursor is the last row number shown: rows are the table's key within an import.
    const page = await store.rejectionsPage(importId, cursor === undefined ? 0 : Number(cursor), limit);
    return c.json(
      {
        data: page.data,
        rejected: job.rejected,
        nextCursor: page.nextRow === null ? null : String(page.nextRow),
      },
      200,
    );
  });
}
