import { database } from "../db/client";
import { enqueueDeliveries } from "../deliveries/enqueue";
import type { Env } from "../lib/env";
import { parseJsonExact } from "../lib/json";
import { readPath } from "../lib/json-path";
import { log } from "../lib/log";
import { NotUtf8, readUtf8Capped } from "../lib/outbound/guard";
import { waitAfterRefusal } from "../lib/retry-after";
import type { PollConfig } from "../sources/poll-config";
import { type Source, SourceStore } from "../sources/store";
import { pollCsvUrl, pollR2Drop } from "./file-sources";
import { type PollJob, PollJobStore, type RunProgress } from "./jobs";
import { type Checkpoint, checkpointKey, type Page, PaginationError, strategyFor } from "./pagination";
import { recordEnvelope, recordKeys } from "./record-envelope";
import { LeaseLost, RunLease } from "./run-lease";
import { pollSftp } from "./sftp/pull";
import { callSourceApi, isRetryableStatus, RateLimited, SourceApiError } from "./source-client";

/** Pages fetched per queue message before the run continues in a new one (CPU and subrequest limits). */
export const PAGES_PER_INVOCATION = 10;
/** Transient failures (5xx, network) in a row before a run gives up. */
export const MAX_RUN_FAILURES = 5;
/** Waits up to this long continue by a delayed queue message; longer ones wait for the cron. */
const SHORT_WAIT_MS = 60_000;
/** Largest page body read, bytes: a runaway response must not exhaust the isolate's memory. */
const MAX_PAGE_BYTES = 10 * 1024 * 1024;

type ApiPoll = Extract<PollConfig, { kind: "api" }>;

/** A page's outcome that ends or parks the run; thrown inside the page loop, handled in one place. */
class RunStop extends Error {
  constructor(
    readonly kind: "fail" | "wait",
    message: string,
    readonly retryAt = 0,
    readonly transient = false,
  ) {
    super(message);
  }
}

/**
 * Poll queue step: claims `sourceId`'s run `runId` and advances it. An `api` job fetches up to
 * {@link PAGES_PER_INVOCATION} pages; for each page the records are enqueued as envelopes first and
 * the checkpoint committed after, so a crash re-reads rather than skips. A repeated checkpoint (cursor
 * cycle A→B→A) or more than `maxPages` pages end the run as failed; a 429 or an exhausted budget
 * parks it until the allowed time. Never sleeps, and records every outcome on the job, each write fenced
 * on the lease claimed: an invocation that finds it gone stops there (no commit, outcome or
 * continuation). `clock` (epoch ms) times the lease's extensions; by default `now` plus the time elapsed.
 * @throws only when D1 or the queue fail (the message is then retried)
 */
export async function runPollJob(
  env: Env,
  sourceId: string,
  runId: string,
  now = Date.now(),
  clock?: () => number,
): Promise<void> {
  const jobs = new PollJobStore(env.DB);
  const job = await jobs.claim(sourceId, runId, now);
  if (!job) {
    log.info("poll_message_stale", { sourceId, runId });
    return;
  }
  const started = Date.now();
  const lease = new RunLease(
    jobs,
    sourceId,
    runId,
    job.leaseUntil!,
    clock ?? (() => now + Date.now() - started),
  );
  try {
    await advance(env, jobs, job, lease, now);
  } catch (error) {
    // Another invocation holds the run now (the cron took this one for lost), or it was reset or
    // paused: the holder records the outcome, and this one has written nothing since.
    if (lease.lost) {
      log.warn("poll_run_lease_lost", { sourceId, runId });
      return;
    }
    // Let go so the queue's retry of this message can claim the run at once, instead of being dropped
    // as stale while the lease runs out and the run waiting for the cron's stale recovery.
    await jobs.release(sourceId, runId, lease.heldUntil).catch(() => undefined);
    throw error;
  }
}

async function advance(
  env: Env,
  jobs: PollJobStore,
  job: PollJob,
  lease: RunLease,
  now: number,
): Promise<void> {
  const { sourceId } = job;
  const runId = job.runId!;
  const source = await new SourceStore(database(env.DB), env.SECRETS_KEY).get(sourceId, now);
  const poll = source?.config.poll;
  if (!source || !poll) {
    await lease.write((held) =>
      jobs.fail(sourceId, runId, held, "the source no longer has a poll config", zero(), 0, now),
    );
    return;
  }
  const interval = poll.intervalSeconds * 1000;
  if (poll.kind === "csv-url" || poll.kind === "r2-drop" || poll.kind === "sftp") {
    try {
      const imported =
        poll.kind === "csv-url"
          ? await pollCsvUrl(env, source, poll, runId, now, lease)
          : poll.kind === "r2-drop"
            ? await pollR2Drop(env, source, poll, now, lease)
            : await pollSftp(env, source, poll, now, lease);
      await lease.write((held) =>
        jobs.complete(
          sourceId,
          runId,
          held,
          { checkpoint: {}, seen: [], pages: 1, records: imported, newRecords: 0 },
          interval,
          now,
        ),
      );
    } catch (error) {
      if (lease.lost) throw new LeaseLost(sourceId, runId);
      await stop(env, jobs, job, lease, error, { ...zero(), failures: job.runFailures }, interval, now);
    }
    return;
  }
  await pollApi(env, jobs, job, lease, source, poll, now);
}

async function pollApi(
  env: Env,
  jobs: PollJobStore,
  job: PollJob,
  lease: RunLease,
  source: Source,
  poll: ApiPoll,
  now: number,
): Promise<void> {
  const { sourceId } = job;
  const runId = job.runId!;
  const strategy = strategyFor(poll.pagination);
  const interval = poll.intervalSeconds * 1000;
  let checkpoint: Checkpoint = job.checkpoint;
  const seen = new Set(job.runSeen);
  if (seen.size === 0) seen.add(await checkpointKey(checkpoint));
  // `failures` follows the job's run_failures, which only the lease holder writes (a commit resets it).
  const progress = { pages: job.runPages, records: job.runRecords, newRecords: 0, failures: job.runFailures };

  try {
    for (let i = 0; i < PAGES_PER_INVOCATION; i++) {
      if (progress.pages >= poll.maxPages)
        throw new RunStop(
          "fail",
          `max pages (${poll.maxPages}) reached; the next run continues from the checkpoint`,
        );
      const page = await fetchPage(env, source, poll, strategy.request(poll.url, checkpoint), now);
      const fresh = strategy.fresh?.(page, checkpoint) ?? page.records.map(() => true);
      const envelopes = await Promise.all(
        page.records.flatMap((record, index) =>
          fresh[index]
            ? [
                recordEnvelope(
                  source,
                  record,
                  { id: page.ids[index], updatedAt: page.updatedAts[index] },
                  { kind: "poll", runId },
                  now,
                ),
              ]
            : [],
        ),
      );
      // Enqueue first, commit after: a crash between the two, or a commit refused because this
      // invocation lost its lease meanwhile, re-reads this page (the records' idempotency keys absorb it).
      if (envelopes.length > 0) await enqueueDeliveries(env, envelopes);
      const { next, done } = strategy.advance(page, checkpoint);
      progress.pages += 1;
      progress.records += envelopes.length;
      progress.newRecords += envelopes.length;
      if (done) {
        const carried = strategy.carryOver?.(next) ?? {};
        await lease.write((held) =>
          jobs.complete(sourceId, runId, held, { ...progress, checkpoint: carried, seen: [] }, interval, now),
        );
        log.info("poll_run_completed", { sourceId, runId, pages: progress.pages, records: progress.records });
        return;
      }
      const key = await checkpointKey(next);
      if (seen.has(key))
        throw new RunStop(
          "fail",
          `pagination loop: the source sent a position already read in this run (${describe(next)})`,
        );
      seen.add(key);
      checkpoint = next;
      const committed: RunProgress = { ...progress, checkpoint, seen: [...seen] };
      await lease.write((held) => jobs.commitPage(sourceId, runId, held, committed, now));
      progress.newRecords = 0;
      progress.failures = 0;
      await lease.beat();
    }
    await lease.write((held) => jobs.release(sourceId, runId, held));
    await env.POLL_QUEUE.send({ type: "poll", sourceId, runId });
  } catch (error) {
    if (lease.lost) throw error;
    await stop(env, jobs, job, lease, error, progress, interval, now);
  }
}

/**
 * Records why the run stopped: failed for good, or parked until it may go on, with one write fenced on
 * `lease`. `progress.failures` is the run's transient failures in a row so far.
 * @throws LeaseLost when the lease is gone (nothing written); infrastructure errors as they are
 */
async function stop(
  env: Env,
  jobs: PollJobStore,
  job: PollJob,
  lease: RunLease,
  error: unknown,
  progress: { pages: number; records: number; newRecords: number; failures: number },
  interval: number,
  now: number,
): Promise<void> {
  const { sourceId } = job;
  const runId = job.runId!;
  let outcome: RunStop;
  if (error instanceof RunStop) outcome = error;
  else if (error instanceof RateLimited)
    outcome = new RunStop("wait", `waiting: ${error.reason}`, error.retryAt);
  else if (error instanceof PaginationError) outcome = new RunStop("fail", error.message);
  else if (error instanceof SourceApiError)
    outcome = error.retryable
      ? transientStop(error.message, progress.failures, now)
      : new RunStop("fail", error.message);
  else throw error;

  if (outcome.kind === "wait") {
    // Decided before writing, so the run is parked or failed by one write made while holding the lease.
    const failures = progress.failures + (outcome.transient ? 1 : 0);
    if (outcome.transient && failures >= MAX_RUN_FAILURES) {
      await lease.write((held) =>
        jobs.fail(
          sourceId,
          runId,
          held,
          `gave up after ${failures} failures: ${outcome.message}`,
          progress,
          interval,
          now,
          true,
        ),
      );
      log.error("poll_run_failed", { sourceId, runId, error: outcome.message });
      return;
    }
    await lease.write((held) =>
      jobs.wait(sourceId, runId, held, outcome.retryAt, outcome.message, outcome.transient, now),
    );
    log.info("poll_run_waiting", { sourceId, runId, retryAt: outcome.retryAt, reason: outcome.message });
    const waitMs = outcome.retryAt - now;
    if (waitMs <= SHORT_WAIT_MS)
      await env.POLL_QUEUE.send(
        { type: "poll", sourceId, runId },
        { delaySeconds: Math.ceil(waitMs / 1000) + 1 },
      );
    return;
  }
  await lease.write((held) => jobs.fail(sourceId, runId, held, outcome.message, progress, interval, now));
  // Operators are alerted through the error log (Workers Logs / tail) and the job's last error.
  log.error("poll_run_failed", { sourceId, runId, error: outcome.message });
}

/** A transient error's wait: back-off by the run's failures in a row (`failures` before this one). */
function transientStop(message: string, failures: number, now: number): RunStop {
  const wait = waitAfterRefusal(null, now, failures + 1, { baseMs: 5000, maxMs: 15 * 60_000 });
  return new RunStop("wait", `retrying: ${message}`, now + wait.delayMs, true);
}

async function fetchPage(env: Env, source: Source, poll: ApiPoll, url: URL, now: number): Promise<Page> {
  const response = await callSourceApi(env, source, url.toString(), { headers: poll.headers }, now);
  if (!response.ok) {
    await response.body?.cancel();
    if (isRetryableStatus(response.status))
      throw new SourceApiError(`source API answered ${response.status}`, true);
    throw new RunStop("fail", `source API answered ${response.status} for ${url.pathname}`);
  }
  // Counted while reading: a chunked answer has no Content-Length, and a declared one may lie.
  let text: string | null;
  try {
    text = await readUtf8Capped(response, MAX_PAGE_BYTES);
  } catch (error) {
    if (error instanceof NotUtf8) throw new RunStop("fail", `page of ${url.pathname}: ${error.message}`);
    throw error;
  }
  if (text === null) throw new RunStop("fail", `page larger than ${MAX_PAGE_BYTES} bytes`);
  let body: unknown;
  try {
    body = parseJsonExact(text);
  } catch {
    throw new RunStop("fail", "source API answered with something that is not JSON");
  }
  const records = readPath(body, poll.recordsPath);
  if (!Array.isArray(records)) throw new RunStop("fail", `no array of records at ${poll.recordsPath}`);
  const keys = records.map((record) => recordKeys(record, poll));
  return {
    url,
    headers: response.headers,
    body,
    records,
    ids: keys.map((k) => k.id),
    updatedAts: keys.map((k) => k.updatedAt),
  };
}

function describe(checkpoint: Checkpoint): string {
  if (checkpoint.cursor !== undefined) return `cursor ${JSON.stringify(checkpoint.cursor.slice(0, 80))}`;
  if (checkpoint.next !== undefined) return `next link ${checkpoint.next.slice(0, 120)}`;
  if (checkpoint.page !== undefined) return `page ${checkpoint.page}`;
  if (checkpoint.offset !== undefined) return `offset ${checkpoint.offset}`;
  if (checkpoint.watermark) return `watermark ${JSON.stringify(checkpoint.watermark)}`;
  return "the first page";
}

function zero() {
  return { pages: 0, records: 0, newRecords: 0 };
}
