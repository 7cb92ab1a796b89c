import type { Env } from "../lib/env";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { type DeadLetterFilter, findDeadLetters } from "./dead-letter-store";
import { ReplayInterrupted, replayDeadLetters } from "./replay";

/** Dead letters replayed per page (one D1 read, ≤ 5 queue sendBatch calls, one batched delete). */
const PAGE = 500;

/** Pages one step handles at most: a step runs in a request's waitUntil or a cron tick (both ~30 s). */
const PAGES_PER_STEP = 20;

/** How long a runner holds a job; longer than a step can take, so two runners never overlap. */
const LEASE_MS = 60_000;

/** Jobs one cron tick advances. */
const JOBS_PER_TICK = 3;

/**
 * A bulk replay of the dead letters matching `filter`, created before `until` (epoch ms).
 * `running` until the last matching dead letter is replayed, then `done`. `error` is the last failure
 * (the queue refused a batch); the job stays `running` and the next step retries from where it stopped.
 */
export interface ReplayJob {
  id: string;
  filter: DeadLetterFilter;
  status: "running" | "done";
  /** Dead letters that matched when the job started. */
  total: number;
  replayed: number;
  until: number;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

interface Row {
  id: string;
  filter: string;
  status: ReplayJob["status"];
  total: number;
  replayed: number;
  until: number;
  cursor_at: number | null;
  cursor_id: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** The filter with its time range clipped to dead letters created before `until`. */
function bounded(filter: DeadLetterFilter, until: number): DeadLetterFilter {
  return { ...filter, to: Math.min(filter.to ?? until, until) };
}

/**
 * How many dead letters match `filter`: the dry run before a bulk replay. Uses the same indexes as
 * the list (dead_letters_source_idx, dead_letters_created_idx).
 * @throws D1 errors
 */
export async function countDeadLetters(db: D1Database, filter: DeadLetterFilter): Promise<number> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    params.push(value);
  };
  if (filter.sourceId !== undefined) add("source_id = ?", filter.sourceId);
  if (filter.reason !== undefined) add("reason = ?", filter.reason);
  if (filter.from !== undefined) add("created_at >= ?", filter.from);
  if (filter.to !== undefined) add("created_at < ?", filter.to);
  const row = await db
    .prepare(`SELECT count(*) AS n FROM dead_letters ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Starts a bulk replay: counts what matches now and stores the job. The caller runs the first
 * {@link advanceReplayJob} step (in waitUntil); the cron continues until it is done.
 * @throws D1 errors
 */
export async function startReplayJob(
  db: D1Database,
  filter: DeadLetterFilter,
  now = Date.now(),
): Promise<ReplayJob> {
  // +1: `to` is exclusive, and a dead letter recorded in this very millisecond is part of the request.
  const until = now + 1;
  const total = await countDeadLetters(db, bounded(filter, until));
  const id = newId("rpl");
  await db
    .prepare(
      `INSERT INTO replay_jobs (id, filter, status, total, replayed, until, created_at, updated_at, finished_at)
       VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)`,
    )
    .bind(
      id,
      JSON.stringify(filter),
      total === 0 ? "done" : "running",
      total,
      until,
      now,
      now,
      total === 0 ? now : null,
    )
    .run();
  log.info("replay_job_started", { jobId: id, total });
  return (await getReplayJob(db, id))!;
}

/** One replay job, or null. */
export async function getReplayJob(db: D1Database, id: string): Promise<ReplayJob | null> {
  const row = await db.prepare("SELECT * FROM replay_jobs WHERE id = ?").bind(id).first<Row>();
  return row ? toJob(row) : null;
}

/** The newest replay jobs first (at most `limit`). */
export async function listReplayJobs(db: D1Database, limit: number): Promise<ReplayJob[]> {
  const { results } = await db
    .prepare("SELECT * FROM replay_jobs ORDER BY created_at DESC, id DESC LIMIT ?")
    .bind(limit)
    .all<Row>();
  return results.map(toJob);
}

/**
 * Runs one step of a replay job: up to PAGES_PER_STEP pages of its dead letters, oldest first, from
 * its cursor. The lease (a conditional UPDATE, atomic in D1) keeps the request's waitUntil and a cron
 * tick from replaying the same page twice; a step that finds the job leased, or done, does nothing.
 * Progress is written after every page, so a step cut short loses at most one page's count (those
 * dead letters were replayed and deleted; replaying one twice is harmless, events are deduplicated).
 * @returns the job as the step left it (null when unknown)
 * @throws D1 errors (the lease then expires and the next step retries)
 */
export async function advanceReplayJob(
  env: Pick<Env, "DB" | "INGEST_QUEUE">,
  id: string,
  now = Date.now(),
  pages = PAGES_PER_STEP,
): Promise<ReplayJob | null> {
  const claimed = await env.DB.prepare(
    `UPDATE replay_jobs SET lease_until = ?1 WHERE id = ?2 AND status = 'running'
       AND (lease_until IS NULL OR lease_until < ?3) RETURNING *`,
  )
    .bind(now + LEASE_MS, id, now)
    .first<Row>();
  if (!claimed) return getReplayJob(env.DB, id);
  const filter = bounded(JSON.parse(claimed.filter) as DeadLetterFilter, claimed.until);
  let after =
    claimed.cursor_at === null || claimed.cursor_id === null
      ? undefined
      : { createdAt: claimed.cursor_at, id: claimed.cursor_id };
  for (let i = 0; i < pages; i++) {
    const page = await findDeadLetters(env.DB, { ...filter, limit: PAGE, after }, true, true);
    let replayed: number;
    let error: string | null = null;
    try {
      replayed = await replayDeadLetters(env, page.data);
    } catch (e) {
      if (!(e instanceof ReplayInterrupted)) throw e;
      replayed = e.replayed;
      error = e.message;
    }
    const last = page.data[replayed - 1];
    if (last) after = { createdAt: last.createdAt, id: last.id };
    const finished = error === null && page.next === null;
    const at = Date.now();
    await env.DB.prepare(
      `UPDATE replay_jobs SET replayed = replayed + ?, cursor_at = ?, cursor_id = ?, error = ?, updated_at = ?,
         status = ?, finished_at = ?, lease_until = CASE WHEN ? THEN NULL ELSE lease_until END WHERE id = ?`,
    )
      .bind(
        replayed,
        after?.createdAt ?? null,
        after?.id ?? null,
        error,
        at,
        finished ? "done" : "running",
        finished ? at : null,
        finished || error !== null ? 1 : 0,
        id,
      )
      .run();
    if (finished || error !== null) {
      if (error) log.warn("replay_job_interrupted", { jobId: id, error });
      return getReplayJob(env.DB, id);
    }
  }
  await env.DB.prepare("UPDATE replay_jobs SET lease_until = NULL WHERE id = ?").bind(id).run();
  return getReplayJob(env.DB, id);
}

/**
 * Advances the oldest running replay jobs by one step each (the cron's share of the work, so a job
 * keeps going after its request ended). Returns how many jobs were stepped.
 * @throws D1 errors
 */
export async function advanceReplayJobs(env: Pick<Env, "DB" | "INGEST_QUEUE">, now: number): Promise<number> {
  const { results } = await env.DB.prepare(
    "SELECT id FROM replay_jobs WHERE status = 'running' ORDER BY created_at LIMIT ?",
  )
    .bind(JOBS_PER_TICK)
    .all<{ id: string }>();
  for (const { id } of results) await advanceReplayJob(env, id, now);
  return results.length;
}

function toJob(row: Row): ReplayJob {
  return {
    id: row.id,
    filter: JSON.parse(row.filter) as DeadLetterFilter,
    status: row.status,
    total: row.total,
    replayed: row.replayed,
    until: row.until,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
