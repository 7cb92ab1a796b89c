import { z } from "@hono/zod-openapi";

// Leaf module: only zod, so src/sources/config.ts can import it without a cycle.

/** Largest CSV file accepted, bytes (Workers refuse request bodies over 100 MB on most plans). */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;

/**
 * How a source's CSV files are read. The delimiter is set here or detected once from the header line
 * (never guessed per row). `recordId` / `updatedAt` are JSON paths into a row (e.g. `$.id`);
 * when set they make each row's idempotency key (`<id>@<updated>`), otherwise the row's content hash
 * does, so re-importing the same file changes nothing.
 */
export const CsvOptionsSchema = z
  .object({
    delimiter: z.enum([",", ";", "\t", "|", "auto"]).default("auto"),
    /**
     * The files' text encoding. `utf-8` (the default) is decoded strictly: a file with bytes that are not
     * UTF-8 is refused (415), never imported with replacement characters. `windows-1252` (Excel's plain
     * "CSV" on Windows) and `iso-8859-1` are read as the WHATWG Encoding Standard does: both as
     * windows-1252, whose bytes 0x80-0x9F are the characters browsers show. A byte order mark wins.
     * @see https://encoding.spec.whatwg.org/#names-and-labels
     */
    encoding: z.enum(["utf-8", "windows-1252", "iso-8859-1"]).default("utf-8"),
    recordId: z.string().min(1).max(256).optional(),
    updatedAt: z.string().min(1).max(256).optional(),
    maxFileBytes: z.number().int().min(1).max(DEFAULT_MAX_FILE_BYTES).optional(),
  })
  .openapi("CsvOptions");

/** A source's CSV settings. */
export type CsvOptions = z.infer<typeof CsvOptionsSchema>;
