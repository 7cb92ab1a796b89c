import { configOf } from "../../lib/config";
import type { Env } from "../../lib/env";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import { isNonPublicHost } from "../../lib/outbound/address";
import { CsvOptionsSchema, DEFAULT_MAX_FILE_BYTES } from "../../sources/csv-config";
import type { PollConfig } from "../../sources/poll-config";
import type { Source } from "../../sources/store";
import { FileImportStore } from "../csv/imports";
import { startImport } from "../csv/start-import";
import { FileTooLargeError, storeFile } from "../csv/stream-utils";
import { globToRegExp } from "../file-sources";
import type { RunLease } from "../run-lease";
import { SourceApiError } from "../source-client";
import { type SftpEntry, SftpError, SftpSession } from "./client";

/** An `sftp` poll's settings. */
export type SftpPoll = Extract<PollConfig, { kind: "sftp" }>;

/** Files fetched per run at most (subrequest and CPU limits); the rest wait for the next run. */
export const MAX_FILES_PER_RUN = 20;
/** Pause between the two listings that tell a finished file from one still being written. */
export const SETTLE_MS = 1500;

/** Optional knobs of {@link pollSftp}. */
export interface SftpPullOptions {
  /**
   * Waits between the two listings; by default {@link SETTLE_MS}. Tests pass one that changes the
   * server's directory in that window (a file appended to, or removed), which a timer cannot do
   * deterministically.
   */
  settle?: () => Promise<void>;
}

const sleepSettle = () => new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS));

/**
 * An `sftp` poll: lists `directory`, keeps the regular files matching `pattern` whose version (name,
 * size, modification time) was never imported, lists again after {@link SETTLE_MS} and drops those whose
 * size or time changed (still being written: the next run takes them). Each remaining file is
 * streamed into R2 in {@link READ_CHUNK_BYTES}-sized reads and imported like an upload; then the
 * server's copy is left, moved into `processed/` (under a name tagged with the import id when that name
 * is taken there) or deleted as configured. Returns the number of imports
 * started (`options.settle` replaces the pause between listings). `lease` is extended after each listing and as file chunks arrive, so a long transfer is not
 * taken for a lost run; once lost, the transfer stops (LeaseLost, or an SFTP error with `lease.lost`).
 * @throws SourceApiError for every SFTP failure (retryable only when the host is unreachable) with a
 *   message naming the cause; D1 / R2 errors as they are
 */
export async function pollSftp(
  env: Env,
  source: Source,
  poll: SftpPoll,
  now: number,
  lease?: RunLease,
  options: SftpPullOptions = {},
): Promise<number> {
  if (!configOf(env).allowPrivateOutboundTargets && isNonPublicHost(poll.host))
    throw new SourceApiError(
      `outbound target refused: ${poll.host} is not a public address (loopback, private, link-local or reserved)`,
      false,
    );
  let session: SftpSession;
  try {
    session = await SftpSession.open(poll);
  } catch (error) {
    throw asRunError(error);
  }
  try {
    return await pullFiles(env, source, poll, session, now, lease, options.settle ?? sleepSettle);
  } catch (error) {
    throw asRunError(error);
  } finally {
    session.close();
  }
}

async function pullFiles(
  env: Env,
  source: Source,
  poll: SftpPoll,
  session: SftpSession,
  now: number,
  lease: RunLease | undefined,
  settle: () => Promise<void>,
): Promise<number> {
  const pattern = globToRegExp(poll.pattern);
  const imports = new FileImportStore(env.DB);
  const matching = (entries: SftpEntry[]) => entries.filter((e) => pattern.test(e.name));
  const fresh: SftpEntry[] = [];
  for (const entry of matching(await session.list(poll.directory))) {
    if (fresh.length >= MAX_FILES_PER_RUN) break;
    if (!(await imports.hasDedupeKey(source.id, versionKey(entry)))) fresh.push(entry);
  }
  if (fresh.length === 0) return 0;
  await lease?.beat();
  await settle();
  const second = new Map(matching(await session.list(poll.directory)).map((e) => [e.name, e]));
  const maxBytes = CsvOptionsSchema.parse(source.config.csv ?? {}).maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const problems: string[] = [];
  let started = 0;
  for (const entry of fresh) {
    const again = second.get(entry.name);
    if (!again) {
      problems.push(`file vanished: ${entry.name} was listed and then removed before it was read`);
      continue;
    }
    if (again.size !== entry.size || again.mtime !== entry.mtime) {
      log.info("sftp_file_still_written", { sourceId: source.id, file: entry.name });
      continue;
    }
    if (entry.size > maxBytes) {
      problems.push(`${entry.name} is larger than ${maxBytes} bytes`);
      continue;
    }
    await lease?.beat();
    try {
      if (await importFile(env, source, poll, session, entry, now, lease)) started++;
    } catch (error) {
      if (!(error instanceof SftpError) && !(error instanceof FileTooLargeError)) throw error;
      problems.push(error.message);
    }
  }
  log.info("sftp_pull_done", { sourceId: source.id, started, problems: problems.length });
  // Imports already started stay started; the run reports what went wrong with the others.
  if (problems.length > 0) throw new SftpError(kindOf(problems), problems.join("; "));
  return started;
}

/** Streams one file into R2, records its import, then applies the after-import action. */
async function importFile(
  env: Env,
  source: Source,
  poll: SftpPoll,
  session: SftpSession,
  entry: SftpEntry,
  now: number,
  lease: RunLease | undefined,
): Promise<boolean> {
  const path = joinPath(poll.directory, entry.name);
  const id = newId("imp");
  const key = `imports/${source.id}/${id}.csv`;
  let size: number;
  try {
    // The listed size is the length: a file that grows or shrinks while read fails the FixedLengthStream.
    const stream = await session.read(path);
    size = await storeFile(env.PAYLOADS, key, lease ? lease.watch(stream) : stream, entry.size, entry.size);
  } catch (error) {
    if (error instanceof SftpError) throw error;
    if (error instanceof FileTooLargeError || error instanceof TypeError)
      throw new SftpError("vanished", `${entry.name} changed while it was read; the next run takes it`);
    throw error;
  }
  const created = await startImport(
    env,
    source,
    { id, origin: "sftp", filename: entry.name, r2Key: key, byteSize: size, dedupeKey: versionKey(entry) },
    now,
  );
  if (!created) {
    await env.PAYLOADS.delete(key); // another run took this version first
    return false;
  }
  // Our copy in R2 is what gets imported: the server's file is no longer needed.
  if (poll.afterImport === "rename") await moveToProcessed(session, poll, path, entry.name, id);
  else if (poll.afterImport === "delete") await session.remove(path);
  log.info("sftp_file_fetched", { sourceId: source.id, importId: id, bytes: size });
  return true;
}

/**
 * Moves an imported file into `processed/`. A file of that name is already there when a changed
 * version of a daily file was imported again (or an operator put one back): SFTP v3 rename never
 * overwrites, so the move is retried once under a name tagged with the import id, which is unique
 * (`daily.csv` → `daily.imp_01J….csv`), rather than failing a run whose import has already started.
 * @throws SftpError when neither name can be used
 */
async function moveToProcessed(
  session: SftpSession,
  poll: SftpPoll,
  path: string,
  name: string,
  importId: string,
): Promise<void> {
  const processed = joinPath(poll.directory, "processed");
  try {
    await session.rename(path, joinPath(processed, name));
  } catch (error) {
    // OpenSSH answers an existing target with the generic SSH_FX_FAILURE (our `protocol` kind).
    if (!(error instanceof SftpError) || error.kind !== "protocol") throw error;
    await session.rename(path, joinPath(processed, taggedName(name, importId)));
  }
}

/** `name` with `tag` before its extension (`a.csv` → `a.<tag>.csv`), or after it when it has none. */
function taggedName(name: string, tag: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}.${tag}${name.slice(dot)}` : `${name}.${tag}`;
}

/** A file's version: the same name, size and modification time is the same file. */
function versionKey(entry: SftpEntry): string {
  return `sftp:${entry.name}#${entry.size}#${entry.mtime}`;
}

function joinPath(directory: string, name: string): string {
  return `${directory.replace(/\/+$/, "")}/${name}`;
}

function kindOf(problems: string[]): SftpError["kind"] {
  if (problems.some((p) => p.startsWith("file vanished"))) return "vanished";
  return problems.some((p) => p.startsWith("permission denied")) ? "permission_denied" : "protocol";
}

/** Any SFTP failure as the poller's run error: retried later only when the host was unreachable. */
function asRunError(error: unknown): unknown {
  if (error instanceof SftpError) return new SourceApiError(`SFTP: ${error.message}`, error.retryable);
  return error;
}
