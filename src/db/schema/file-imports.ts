import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * One CSV file being imported (uploaded, fetched by URL, or picked up from an R2 drop prefix). The
 * file sits in R2 under `r2_key`; the importer reads it in chunks from `offset_bytes`, enqueues each
 * row as an envelope, then commits the counters and the offset. `dedupe_key` stops an R2 drop being
 * imported twice. Times are epoch ms.
 *
 * status: `queued`, `running`, `completed`, `failed` (with `error`).
 */
export const fileImports = sqliteTable(
  "file_imports",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id").notNull(),
    workspace: text("workspace").notNull(),
    origin: text("origin").notNull(),
    filename: text("filename"),
    r2Key: text("r2_key").notNull(),
    dedupeKey: text("dedupe_key"),
    byteSize: integer("byte_size"),
    status: text("status").notNull(),
    /** Parse state fixed by the header: delimiter, encoding (utf8 / utf16le) and column names. */
    delimiter: text("delimiter"),
    encoding: text("encoding"),
    columns: text("columns", { mode: "json" }).$type<string[]>(),
    offsetBytes: integer("offset_bytes").notNull().default(0),
    linesRead: integer("lines_read").notNull().default(0),
    rowsRead: integer("rows_read").notNull().default(0),
    accepted: integer("accepted").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    warnings: text("warnings", { mode: "json" }).$type<string[]>(),
    error: text("error"),
    /** Where the file was moved after import (R2 drops only). */
    processedKey: text("processed_key"),
    leaseUntil: integer("lease_until"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("file_imports_source_idx").on(t.sourceId, t.createdAt),
    // The console's import list across sources, newest first (GET /v1/admin/file-imports).
    index("file_imports_created_idx").on(t.createdAt),
    uniqueIndex("file_imports_dedupe_uq").on(t.sourceId, t.dedupeKey),
  ],
);

/** A rejected row of a file import: its data row number (1-based, header excluded), line and reason. */
export const fileImportRejections = sqliteTable(
  "file_import_rejections",
  {
    importId: text("import_id").notNull(),
    row: integer("row").notNull(),
    line: integer("line").notNull(),
    reason: text("reason").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.row] })],
);
