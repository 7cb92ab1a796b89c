import { database } from "../../db/client";
import { enqueueDeliveries } from "../../deliveries/enqueue";
import type { DeliveryEnvelope } from "../../deliveries/envelope";
import type { Env } from "../../lib/env";
import { log } from "../../lib/log";
import type { SourceConfig } from "../../sources/config";
import { CsvOptionsSchema } from "../../sources/csv-config";
import { type Source, SourceStore } from "../../sources/store";
import { recordEnvelope, recordKeys } from "../record-envelope";
import { CsvFileError, detectDelimiter, sniffHead } from "./detect";
import { type FileImport, FileImportStore, type ImportProgress, type Rejection } from "./imports";
import { readCsv } from "./parse";
import { peekHead } from "./stream-utils";

/** Rows read per queue message; the import continues in a new message (CPU and subrequest limits). */
export const ROWS_PER_CHUNK = 5000;
/** Envelopes per enqueue call: one `sendBatch` of at most 100 messages. */
const ENQUEUE_BATCH = 100;

/**
 * Poll queue step of a CSV import: reads the next {@link ROWS_PER_CHUNK} rows of the file in R2 from the
 * committed offset (streamed: memory holds one parser window and 100 envelopes, whatever the file
 * size), enqueues each accepted row as an envelope, then commits counters, offset and rejections. The
 * first chunk fixes encoding, delimiter and columns from the header. An R2 drop is moved to
 * its processed prefix when done; uploaded and fetched copies are deleted.
 * @throws when R2, D1 or the queue fail (the message is retried; the lease is released first)
 */
export async function runFileImport(env: Env, importId: string, now = Date.now()): Promise<void> {
  const store = new FileImportStore(env.DB);
  const job = await store.claim(importId, now);
  if (!job) return;
  try {
    await importChunk(env, store, job, now);
  } catch (error) {
    if (error instanceof CsvFileError) {
      await store.fail(importId, error.message, now);
      log.warn("file_import_failed", { importId, sourceId: job.sourceId, error: error.message });
      return;
    }
    await store.release(importId);
    throw error;
  }
}

async function importChunk(env: Env, store: FileImportStore, job: FileImport, now: number): Promise<void> {
  const source = await new SourceStore(database(env.DB), env.SECRETS_KEY).get(job.sourceId, now);
  if (!source) throw new CsvFileError("the source no longer exists");
  const csv = CsvOptionsSchema.parse(source.config.csv ?? {});
  const resuming = job.offsetBytes > 0;
  if (resuming && job.byteSize !== null && job.offsetBytes >= job.byteSize) {
    // The last chunk ended exactly at the end of the file: nothing left to read (R2 refuses the range).
    await store.finish(job.id, now);
    await afterImport(env, store, job, source);
    return;
  }
  const object = await env.PAYLOADS.get(
    job.r2Key,
    resuming ? { range: { offset: job.offsetBytes } } : undefined,
  );
  if (!object) throw new CsvFileError("the file is no longer in storage");

  let stream = object.body;
  const progress: ImportProgress = {
    offsetBytes: job.offsetBytes,
    linesRead: job.linesRead,
    rowsRead: job.rowsRead,
    accepted: job.accepted,
    rejected: job.rejected,
    delimiter: job.delimiter ?? ",",
    encoding: job.encoding ?? "utf8",
    columns: job.columns ?? [],
    warnings: job.warnings,
  };
  if (!resuming) {
    const peeked = await peekHead(stream);
    if (peeked.head.byteLength === 0) throw new CsvFileError("the file is empty");
    const head = sniffHead(peeked.head, csv.encoding);
    progress.encoding = head.encoding;
    progress.delimiter = csv.delimiter === "auto" ? detectDelimiter(head.headerLine) : csv.delimiter;
    stream = peeked.stream;
  }

  const identifierColumns = mappedColumns(source.config.mapping?.identifiers);
  const rejections: Rejection[] = [];
  let pending: DeliveryEnvelope[] = [];
  const flush = async () => {
    if (pending.length > 0) await enqueueDeliveries(env, pending);
    pending = [];
  };
  let rows = 0;
  let done = true;
  let fatal: CsvFileError | undefined;
  try {
    for await (const item of readCsv(stream, {
      delimiter: progress.delimiter,
      encoding: progress.encoding,
      columns: resuming ? progress.columns : undefined,
      offset: job.offsetBytes,
      rowsBefore: job.rowsRead,
      linesBefore: job.linesRead,
      onHeader: (columns) => {
        progress.columns = columns;
        progress.warnings = checkHeader(columns, source.config, identifierColumns);
      },
    })) {
      progress.rowsRead = item.row;
      if (item.kind === "rejected") {
        progress.rejected++;
        rejections.push({ row: item.row, line: item.line, reason: item.reason });
        continue;
      }
      const missing =
        identifierColumns.length > 0 && !identifierColumns.some((c) => item.record[c] !== undefined);
      if (missing) {
        progress.rejected++;
        rejections.push({
          row: item.row,
          line: item.line,
          reason: `no identifier value (${identifierColumns.join(", ")})`,
        });
      } else {
        pending.push(await rowEnvelope(source, csv, item.record, job, item.row, now));
        progress.accepted++;
        if (pending.length >= ENQUEUE_BATCH) await flush();
      }
      progress.offsetBytes = item.end;
      progress.linesRead = item.line;
      if (++rows >= ROWS_PER_CHUNK) {
        done = false;
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof CsvFileError)) throw error;
    fatal = error;
  }
  // Rows go to the queue before their progress is committed: a crash re-reads them, dedupe absorbs it.
  await flush();
  await store.commit(job.id, progress, rejections, done && !fatal, now);
  if (fatal) throw fatal;
  if (!done) {
    await store.release(job.id);
    await env.POLL_QUEUE.send({ type: "file-import", importId: job.id });
    return;
  }
  await afterImport(env, store, job, source);
  log.info("file_import_completed", {
    importId: job.id,
    sourceId: job.sourceId,
    rows: progress.rowsRead,
    accepted: progress.accepted,
    rejected: progress.rejected,
  });
}

async function rowEnvelope(
  source: Source,
  csv: { recordId?: string; updatedAt?: string },
  record: Record<string, string>,
  job: FileImport,
  row: number,
  now: number,
): Promise<DeliveryEnvelope> {
  return recordEnvelope(
    source,
    record,
    recordKeys(record, csv),
    { kind: "file", importId: job.id, row },
    now,
  );
}

/** Top-level column names that identifier JSON paths read (`$.email` → `email`); literals are skipped. */
function mappedColumns(paths: Record<string, string> | undefined): string[] {
  const columns = new Set<string>();
  for (const path of Object.values(paths ?? {})) {
    if (path.startsWith("=")) continue;
    const first = path.replace(/^\$\.?/, "").split(/[.[]/, 1)[0];
    if (first) columns.add(first);
  }
  return [...columns];
}

/**
 * Checks the header against the source's mapping. With none of the identifier columns present every
 * row would be rejected (the classic cause: a BOM glued to the first name), so the file fails
 * at once, naming what it found. Other mapped columns that are missing become warnings.
 * @throws CsvFileError
 */
function checkHeader(
  columns: (string | null)[],
  config: SourceConfig,
  identifierColumns: string[],
): string[] {
  const present = new Set(columns.filter((c): c is string => c !== null));
  if (identifierColumns.length > 0 && !identifierColumns.some((c) => present.has(c)))
    throw new CsvFileError(
      `none of the identifier columns (${identifierColumns.join(", ")}) is in the header (${[...present]
        .slice(0, 20)
        .map((c) => JSON.stringify(c))
        .join(", ")})`,
    );
  const mapped = mappedColumns({
    ...config.mapping?.traits,
    ...config.mapping?.properties,
    ...config.mapping?.identifiers,
  });
  return mapped
    .filter((c) => !present.has(c))
    .map((c) => `mapped column ${JSON.stringify(c)} is not in the header`);
}

/** R2 drops move to the processed prefix (so they are not picked up again); our own copies are deleted. */
async function afterImport(env: Env, store: FileImportStore, job: FileImport, source: Source): Promise<void> {
  if (job.origin !== "r2") {
    await env.PAYLOADS.delete(job.r2Key);
    return;
  }
  const poll = source.config.poll;
  const prefix = poll?.kind === "r2-drop" ? poll.prefix : job.r2Key.slice(0, job.r2Key.lastIndexOf("/") + 1);
  const processedPrefix =
    (poll?.kind === "r2-drop" ? poll.processedPrefix : undefined) ?? `${prefix}processed/`;
  const target = `${processedPrefix}${job.r2Key.slice(job.r2Key.lastIndexOf("/") + 1)}`;
  const object = await env.PAYLOADS.get(job.r2Key);
  if (object) {
    await env.PAYLOADS.put(target, object.body, {
      httpMetadata: object.httpMetadata,
      customMetadata: object.customMetadata,
    });
    await env.PAYLOADS.delete(job.r2Key);
  }
  await store.setProcessedKey(job.id, target);
}
