import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { acceptDelivery } from "../../edge/accept";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { storeUpload } from "./csv-upload";

/** 202 body of an accepted upload: the import to watch. */
export const AcceptedFileSchema = z
  .object({ importId: z.string(), status: z.literal("queued"), statusUrl: z.string() })
  .openapi("AcceptedFile");
/** 202 body of an accepted upload. */
export type AcceptedFile = z.infer<typeof AcceptedFileSchema>;

const route = createRoute({
  method: "post",
  path: "/v1/sources/{sourceId}/files",
  operationId: "uploadFile",
  tags: ["ingest", "files"],
  summary: "Upload a CSV file of records for a source",
  description:
    "The file is the raw request body (Content-Type text/csv), authenticated with the source's API key in its API-key header (X-API-Key by default; never in the URL). It is streamed to storage and imported in the background: each row becomes an event through the same pipeline as webhooks. The answer names the import, whose result (rows read, accepted, rejected with row numbers and reasons) the admin API shows.",
  request: {
    params: z.object({ sourceId: z.string().min(1).max(64) }),
    query: z.object({ filename: z.string().min(1).max(255).optional() }),
  },
  responses: {
    202: {
      description: "Stored and queued for import",
      content: { "application/json": { schema: AcceptedFileSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429, 503),
  },
});

/** Registers POST /v1/sources/{sourceId}/files. */
export function registerUploadFile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const filename = c.req.valid("query").filename ?? null;
    const importId = await acceptDelivery(c, sourceId, {
      kind: "file",
      store: (source, now) => storeUpload(c, source, filename, now),
    });
    return c.json(
      { importId, status: "queued" as const, statusUrl: `/v1/admin/file-imports/${importId}` },
      202,
    );
  });
}
