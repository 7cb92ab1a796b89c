import type { Env } from "../lib/env";
import { newId } from "../lib/ids";
import { compileLinearRegex, type LinearRegex } from "../lib/linear-regex";
import { log } from "../lib/log";
import { CsvOptionsSchema, DEFAULT_MAX_FILE_BYTES } from "../sources/csv-config";
import type { PollConfig } from "../sources/poll-config";
import type { Source } from "../sources/store";
import { startImport } from "./csv/start-import";
import { FileTooLargeError, storeFile } from "./csv/stream-utils";
import type { RunLease } from "./run-lease";
import { callSourceApi, isRetryableStatus, SourceApiError } from "./source-client";

/**
 * A `csv-url` poll: fetches the file (through the source's rate budget and credentials), streams it
 * into R2 and starts an import of it. Returns 1 (files started). `lease` is extended as the file's
 * chunks arrive, so a long download is not taken for a lost run; once lost, the transfer stops.
 * @throws RateLimited, SourceApiError (retryable for 5xx and network errors); LeaseLost (or the storage
 *   error it causes, with `lease.lost`) when the lease is lost
 */
export async function pollCsvUrl(
  env: Env,
  source: Source,
  poll: Extract<PollConfig, { kind: "csv-url" }>,
  runId: string,
  now: number,
  lease?: RunLease,
): Promise<number> {
  const response = await callSourceApi(
    env,
    source,
    poll.url,
    { accept: "text/csv, text/plain;q=0.9, */*;q=0.1" },
    now,
  );
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new SourceApiError(`CSV URL answered ${response.status}`, isRetryableStatus(response.status));
  }
  const id = newId("imp");
  const key = `imports/${source.id}/${id}.csv`;
  const declared = response.headers.get("content-length");
  const maxBytes = CsvOptionsSchema.parse(source.config.csv ?? {}).maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let size: number;
  try {
    size = await storeFile(
      env.PAYLOADS,
      key,
      lease ? lease.watch(response.body) : response.body,
      maxBytes,
      declared ? Number(declared) : undefined,
    );
  } catch (error) {
    // Counted on the bytes read; too large is the file's fault: the run fails with a clear error.
    if (error instanceof FileTooLargeError)
      throw new SourceApiError(`CSV URL: the file is larger than ${maxBytes} bytes`, false);
    throw error;
  }
  const filename = new URL(poll.url).pathname.split("/").pop() || null;
  await startImport(env, source, { id, origin: "url", filename, r2Key: key, byteSize: size }, now);
  log.info("poll_csv_fetched", { sourceId: source.id, runId, importId: id, bytes: size });
  return 1;
}

/** R2's longest object key, in bytes (so at most this many UTF-16 code units). */
const MAX_R2_KEY = 1024;

/**
 * `*` and `?` wildcards of a filename pattern as an anchored, linear-time regular expression: with a
 * backtracking engine, a pattern of many `*` (it may be 128 characters long) against a long key takes
 * polynomial time of high degree and stalls the poller.
 */
export function globToRegExp(pattern: string): LinearRegex {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return compileLinearRegex(`^${body}$`, { maxInput: MAX_R2_KEY });
}

/**
 * An `r2-drop` poll: lists the objects directly under the prefix (not in sub-folders, so the processed
 * prefix below it is not re-read) whose name matches the pattern, and starts one import per object not
 * imported before (key + etag). The importer moves each file to the processed prefix when it is done.
 * Returns the number of imports started. `lease` is extended after each listing and before each import
 * is started, so a long drop folder is not taken for a lost run.
 * @throws LeaseLost when the lease is lost (imports started so far stay started: their key + etag keeps
 *   the run that took over from starting them again)
 */
export async function pollR2Drop(
  env: Env,
  source: Source,
  poll: Extract<PollConfig, { kind: "r2-drop" }>,
  now: number,
  lease?: RunLease,
): Promise<number> {
  const pattern = globToRegExp(poll.pattern);
  let started = 0;
  let cursor: string | undefined;
  do {
    const page = await env.PAYLOADS.list({ prefix: poll.prefix, delimiter: "/", cursor, limit: 100 });
    await lease?.beat();
    for (const object of page.objects) {
      const name = object.key.slice(poll.prefix.length);
      if (!pattern.test(name)) continue;
      await lease?.beat();
      const created = await startImport(
        env,
        source,
        {
          origin: "r2",
          filename: name,
          r2Key: object.key,
          byteSize: object.size,
          dedupeKey: `${object.key}#${object.etag}`,
        },
        now,
      );
      if (created) started++;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  if (started > 0) log.info("poll_r2_files_found", { sourceId: source.id, started });
  return started;
}
