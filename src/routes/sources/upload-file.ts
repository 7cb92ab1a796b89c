import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { admitToSource } from "../../edge/admission";
import { sourceAfterMismatch } from "../../edge/source-cache";
import { MISMATCH_CODES } from "../../edge/verify-delivery";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import { CsvFileError, sniffHead } from "../../pull/csv/detect";
import { startImport } from "../../pull/csv/start-import";
import { FileTooLargeError, peekHead, storeFile } from "../../pull/csv/stream-utils";
import { authSchemeFor } from "../../sources/auth";
import { DEFAULT_MAX_FILE_BYTES } from "../../sources/csv-config";
import type { Source } from "../../sources/store";
import { problemResponses } from "../openapi";

/** Source types whose API key may upload files. */
const FILE_SOURCE_TYPES = new Set(["csv-file", "rest-poll"]);
/** Media types a CSV upload may declare (or none). */
const CSV_MEDIA_TYPES = new Set([
  "text/csv",
  "application/csv",
  "text/plain",
  "application/octet-stream",
  "application/vnd.ms-excel",
]);

/** 202 body of an accepted upload: the import to watch. */
export const AcceptedFileSchema = z
  .object({ importId: z.string(), status: z.literal("queued"), statusUrl: z.string() })
  .openapi("AcceptedFile");
/** 202 body of an accepted upload. */
export type AcceptedFile = z.infer<typeof AcceptedFileSchema>;

const route = createRoute({
  method: "post",
  path: "/v1/sources/{sourceId}/files",
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
    const now = Date.now();
    const { sourceId } = c.req.valid("param");
    const source = await admitToSource(c.env, c.req.raw, sourceId, now);
    if (!FILE_SOURCE_TYPES.has(source.type))
      throw new ApiError(
        "bad_request",
        `A ${source.type} source does not take files; use a csv-file or rest-poll source`,
      );
    // The key is checked before a byte of the body is read: an anonymous client cannot make us store anything.
    const verify = (against: Source) =>
      authSchemeFor(against.type).verify(
        { headers: c.req.raw.headers, body: new Uint8Array(0), url: c.req.url, now },
        against.secrets.map((s) => s.value),
        against.config,
      );
    let outcome = await verify(source);
    // A key rotated since the source was cached works at once: one rate-limited re-read before a 401.
    if (!outcome.ok && MISMATCH_CODES.has(outcome.code)) {
      const fresh = await sourceAfterMismatch(source, now);
      if (fresh) outcome = await verify(fresh);
    }
    if (!outcome.ok) {
      log.warn("file_upload_rejected", { sourceId, code: outcome.code, reason: outcome.reason });
      throw new ApiError(outcome.code, outcome.reason, {
        headers: outcome.challenge ? { "www-authenticate": outcome.challenge } : {},
      });
    }

    const encoding = c.req.header("content-encoding");
    if (encoding && encoding.toLowerCase() !== "identity")
      throw new ApiError("unsupported_media_type", "Send the file without Content-Encoding");
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "" && !CSV_MEDIA_TYPES.has(mediaType))
      throw new ApiError(
        "unsupported_media_type",
        mediaType === "multipart/form-data"
          ? "Send the file itself as the request body (Content-Type: text/csv), not a form"
          : `Unsupported Content-Type ${mediaType.slice(0, 60)}; send text/csv`,
      );
    const maxBytes = source.config.csv?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const declared = c.req.header("content-length");
    const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
    if (length !== undefined && length > maxBytes) throw tooLarge(maxBytes);
    if (!c.req.raw.body || length === 0) throw new ApiError("unprocessable", "The file is empty");

    const { head, stream } = await peekHead(c.req.raw.body);
    if (head.byteLength === 0) throw new ApiError("unprocessable", "The file is empty");
    try {
      sniffHead(head);
    } catch (error) {
      if (error instanceof CsvFileError)
        throw new ApiError(error.status === 415 ? "unsupported_media_type" : "unprocessable", error.message);
      throw error;
    }

    const importId = newId("imp");
    const r2Key = `imports/${sourceId}/${importId}.csv`;
    let size: number;
    try {
      size = await storeFile(c.env.PAYLOADS, r2Key, stream, maxBytes, length);
    } catch (error) {
      if (error instanceof FileTooLargeError) throw tooLarge(maxBytes);
      throw error;
    }
    const filename = c.req.valid("query").filename ?? null;
    await startImport(
      c.env,
      source,
      { id: importId, origin: "upload", filename, r2Key, byteSize: size },
      now,
    );
    log.info("file_uploaded", { sourceId, importId, bytes: size });
    return c.json(
      { importId, status: "queued" as const, statusUrl: `/v1/admin/file-imports/${importId}` },
      202,
    );
  });
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The file exceeds this source's limit of ${maxBytes} bytes`);
}
