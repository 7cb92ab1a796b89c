import { z } from "@hono/zod-openapi";
import type { FileImport, Rejection } from "../../pull/csv/imports";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A rejected row: 1-based data row number (the header is row 0), the file line it ends on, and why. */
export const RejectionSchema = z.object({
  row: z.number().int(),
  line: z.number().int(),
  reason: z.string(),
});

/** A file import's result: rows read, accepted (enqueued), rejected with row numbers and reasons. */
export const FileImportSchema = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    origin: z.enum(["upload", "url", "r2", "sftp"]),
    filename: z.string().nullable(),
    byteSize: z.number().int().nullable(),
    bytesRead: z.number().int().openapi({
      description: "Bytes of the file read so far: with `byteSize`, how far an import in progress has come",
    }),
    status: z.enum(["queued", "running", "completed", "failed"]),
    delimiter: z.string().nullable(),
    encoding: z.string().nullable(),
    columns: z.array(z.string().nullable()).nullable(),
    rowsRead: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    /** The first rejections (at most 1000 are kept), by row. */
    rejections: z.array(RejectionSchema),
    warnings: z.array(z.string()),
    error: z.string().nullable(),
    processedKey: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi("FileImport");

/** A file import as the admin API returns it. */
export type FileImportView = z.infer<typeof FileImportSchema>;

/** Shapes a stored import and its first rejections for the admin API. */
export function fileImportView(job: FileImport, rejections: Rejection[]): FileImportView {
  return {
    id: job.id,
    sourceId: job.sourceId,
    origin: job.origin,
    filename: job.filename,
    byteSize: job.byteSize,
    bytesRead: job.offsetBytes,
    status: job.status,
    delimiter: job.delimiter,
    encoding: job.encoding,
    columns: job.columns,
    rowsRead: job.rowsRead,
    accepted: job.accepted,
    rejected: job.rejected,
    rejections,
    warnings: job.warnings,
    error: job.error,
    processedKey: job.processedKey,
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}
