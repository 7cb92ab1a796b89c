import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { database } from "../../db/client";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { senderFor } from "../../sources/senders";
import { SourceStore } from "../../sources/store";
import { problemResponses } from "../openapi";
import { storeUpload } from "../sources/csv-upload";
import { AcceptedFileSchema } from "../sources/upload-file";

const route = createRoute({
  method: "post",
  operationId: "uploadSourceFile",
  path: "/v1/admin/sources/{sourceId}/files",
  tags: ["admin", "files"],
  summary: "Upload a CSV file for a source as an operator (admin token instead of the source's API key)",
  description:
    "Same checks and import as POST /v1/sources/{sourceId}/files: the raw file as the body (Content-Type text/csv), within the source's file limit. For operators (the console's upload form) who hold the admin token but not the source's API key. Not counted as a delivery in the source's rejection counts: the operator is not the sender.",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ sourceId: z.string().min(1).max(64) }),
    query: z.object({ filename: z.string().min(1).max(255).optional() }),
  },
  responses: {
    202: {
      description: "Stored and queued for import",
      content: { "application/json": { schema: AcceptedFileSchema } },
    },
    ...problemResponses(400, 401, 404, 413, 415, 422, 503),
  },
});

/** Registers POST /v1/admin/sources/{sourceId}/files. */
export function registerUploadSourceFile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const now = Date.now();
    const source = await new SourceStore(database(c.env.DB), c.env.SECRETS_KEY).get(sourceId, now);
    if (!source) throw new ApiError("source_not_found");
    if (!senderFor(source.type).acceptsFiles)
      throw new ApiError(
        "bad_request",
        `A ${source.type} source does not take files; use a csv-file or rest-poll source`,
      );
    const importId = await storeUpload(c, source, c.req.valid("query").filename ?? null, now);
    return c.json(
      { importId, status: "queued" as const, statusUrl: `/v1/admin/file-imports/${importId}` },
      202,
    );
  });
}
