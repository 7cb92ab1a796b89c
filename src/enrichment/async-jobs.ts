import { workspaceDb } from "../db/workspace-db";
import type { CanonicalEvent } from "../events/event";
import { traitUpsertSql } from "../identity/trait-upsert";
import { definitionsGuard, readDefinitionSet } from "../indicators/cache";
import { rewriteContribution } from "../indicators/statements";
import { retryDelaySeconds } from "../lib/backoff";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { countExtensionCall } from "./call-counts";
import type { Extension } from "./config";
import { type CallOutcome, type CallSpec, isPermanentFailure } from "./external-system";
import { type Answer, messageIdFor, parseAnswer, requestBody, requestHeaders } from "./protocol";
import { ExtensionStore } from "./store";

/** Jobs one alarm run takes on; more are left for the next run, which starts at once. */
const JOBS_PER_RUN = 50;
/** Longest wait between two attempts of one job, seconds. */
const MAX_BACKOFF_SECONDS = 3600;
/** An answer whose event is still not stored after this long is dropped (the event was dead-lettered). */
const EVENT_WAIT_MS = 24 * 3600 * 1000;

interface JobRow {
  id: string;
  workspace: string;
  extension_id: string;
  source_id: string;
  event_key: string;
  attempts: number;
  request: string;
  answer: string | null;
  created_at: number;
}

/** An async enrichment to plan for one event. */
export interface PlannedJob {
  extension: Extension;
  event: CanonicalEvent;
}

/**
 * Records pending async enrichments (one per event and extension; a redelivery records nothing new).
 * The job id is the call's message id, so every retry is sent under the same `webhook-id`.
 */
export async function planJobs(db: D1Database, jobs: readonly PlannedJob[], now = Date.now()): Promise<void> {
  if (jobs.length === 0) return;
  const rows = await Promise.all(
    jobs.map(async ({ extension, event }) => [
      await messageIdFor(extension.id, event),
      event.workspace,
      extension.id,
      extension.system,
      event.sourceId,
      event.eventKey,
      requestBody(extension, event),
    ]),
  );
  await db.batch(
    rows.map((row) =>
      db
        .prepare(
          `INSERT OR IGNORE INTO extension_jobs (id, workspace, extension_id, system, source_id, event_key, status, attempts,
             next_attempt_at, request, created_at, updated_at) VALUES (?,?,?,?,?,?,'pending',0,?,?,?,?)`,
        )
        .bind(...row.slice(0, 6), now, row[6], now, now),
    ),
  );
}

/**
 * Runs the due async enrichments of one external system: calls the extension (through `call`, the
 * system's budget and breaker), then applies the answer to the stored event and its profile. A failed
 * call is retried with capped exponential backoff for as long as it takes; an answer that arrives before
 * its event is stored is kept and applied once the event is there.
 * @returns when the next run is due (epoch ms), or null when nothing is pending
 */
export async function runDueJobs(
  env: Env,
  workspace: string,
  system: string,
  call: (spec: CallSpec) => Promise<CallOutcome>,
  now = Date.now(),
): Promise<number | null> {
  const db = workspaceDb(env, workspace);
  const { results: due } = await db
    .prepare(
      `SELECT id, workspace, extension_id, source_id, event_key, attempts, request, answer, created_at FROM extension_jobs
     WHERE workspace = ? AND system = ? AND status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
    )
    .bind(workspace, system, now, JOBS_PER_RUN)
    .all<JobRow>();
  const store = new ExtensionStore(db, env.SECRETS_KEY);
  const extensions = new Map<string, Promise<Extension | null>>();
  await Promise.all(
    due.map(async (job) => {
      if (!extensions.has(job.extension_id)) extensions.set(job.extension_id, store.get(job.extension_id));
      const extension = await extensions.get(job.extension_id)!;
      // Another run (an alarm re-armed by a wake while this one awaits a call) may have selected the
      // same due job: only the run whose claim changes the row calls the extension.
      if (!(await claim(db, job.id, now, leaseMs(extension)))) return;
      try {
        await runJob(db, job, extension, call);
      } catch (error) {
        await reschedule(db, job, `apply failed: ${String(error).slice(0, 200)}`, 1_000);
      }
    }),
  );
  if (due.length === JOBS_PER_RUN) return Date.now();
  const next = await db
    .prepare(
      "SELECT min(next_attempt_at) AS at FROM extension_jobs WHERE workspace = ? AND system = ? AND status = 'pending'",
    )
    .bind(workspace, system)
    .first<{ at: number | null }>();
  return next?.at ?? null;
}

/** How long a claimed job is hidden from other runs, ms: the longest a call can take (budget wait, then the call) plus slack. */
function leaseMs(extension: Extension | null): number {
  return 2 * (extension?.config.timeoutMs ?? 0) + 30_000;
}

/**
 * Claims a due job for one run: moves its next attempt past the lease, on the condition that it is
 * still pending and due. D1 runs one statement at a time, so of two runs that read the same due job
 * exactly one sees a changed row. A run that dies after claiming leaves the job due again once the
 * lease ends (no stuck "running" state); the outcome (reschedule, apply, finish) overwrites the lease.
 * @returns true when this run owns the job
 */
async function claim(db: D1Database, id: string, now: number, lease: number): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE extension_jobs SET next_attempt_at = ?, updated_at = ?
       WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`,
    )
    .bind(now + lease, now, id, now)
    .run();
  return result.meta.changes > 0;
}

async function runJob(
  db: D1Database,
  job: JobRow,
  extension: Extension | null,
  call: (spec: CallSpec) => Promise<CallOutcome>,
): Promise<void> {
  if (!extension?.enabled) return finish(db, job, "abandoned", "extension deleted or disabled");
  let answer = job.answer ? (JSON.parse(job.answer) as Answer) : null;
  if (!answer) {
    const outcome = await call({
      extensionId: extension.id,
      url: extension.config.endpoint,
      headers: await requestHeaders(extension, job.id, job.request),
      body: job.request,
      timeoutMs: extension.config.timeoutMs,
      limits: extension.config.limits,
    });
    countExtensionCall(extension, outcome);
    if (!outcome.ok && isPermanentFailure(outcome.failure))
      return finish(db, job, "abandoned", `${outcome.failure}: ${outcome.detail}`);
    if (!outcome.ok)
      return reschedule(db, job, `${outcome.failure}: ${outcome.detail}`, outcome.retryAfterMs);
    const parsed = parseAnswer(outcome.status, outcome.body);
    if ("invalid" in parsed) return reschedule(db, job, parsed.invalid);
    answer = parsed;
  }
  // An event already stored cannot be refused any more: the refusal is kept on the job and the event.
  if (answer.action === "reject") return rejectStored(db, job, answer.reason);
  const applied = await applyAnswer(db, job, answer);
  if (applied === "applied") return;
  if (applied === "event_missing" && Date.now() - job.created_at > EVENT_WAIT_MS)
    return finish(db, job, "abandoned", "event was never stored");
  await reschedule(
    db,
    job,
    applied === "event_missing" ? "event not stored yet" : "event changed meanwhile",
    1_000,
    answer,
  );
}

interface StoredEvent {
  id: string;
  type: string;
  source_id: string;
  traits: string;
  properties: string;
}

/**
 * Applies an enrich answer in one D1 batch: merges traits and properties into the stored event
 * (compare-and-set on the text read, so concurrent enrichments of one event never lose each other's
 * keys), sets the traits on the event's profile last-writer-wins at the event's own time (the answer
 * outranks the event's own value of a trait: it is later knowledge about the same event), rewrites the
 * event's indicator contributions, and marks the job applied. The profile is read from the event row
 * inside the batch, so a merge before or after the batch moves the traits with it.
 */
async function applyAnswer(
  db: D1Database,
  job: JobRow,
  answer: Extract<Answer, { action: "enrich" }>,
): Promise<"applied" | "event_missing" | "changed"> {
  const event = await db
    .prepare(
      "SELECT id, type, source_id, traits, properties FROM events WHERE workspace = ? AND source_id = ? AND event_key = ?",
    )
    .bind(job.workspace, job.source_id, job.event_key)
    .first<StoredEvent>();
  if (!event) return "event_missing";
  const traits = JSON.stringify({ ...(JSON.parse(event.traits) as object), ...answer.traits });
  const properties = JSON.stringify({ ...(JSON.parse(event.properties) as object), ...answer.properties });
  const { definitions, fingerprint } = await readDefinitionSet(db, job.workspace);
  const now = Date.now();
  const traitEntries = Object.entries(answer.traits).map(([name, value]) => [name, JSON.stringify(value)]);
  const statements = [
    definitionsGuard(db, job.workspace, fingerprint),
    db
      // archived_at = NULL: the archive's copy predates this answer; the cron archives the new version.
      .prepare(
        "UPDATE events SET traits = ?, properties = ?, archived_at = NULL WHERE id = ? AND traits = ? AND properties = ?",
      )
      .bind(traits, properties, event.id, event.traits, event.properties),
    ...(traitEntries.length > 0
      ? [
          db
            .prepare(
              traitUpsertSql(
                `SELECT e.profile_id, json_extract(t.value, '$[0]'), json_extract(t.value, '$[1]'), e.occurred_at, e.id, e.source_id
                 FROM events e, json_each(?) t WHERE e.id = ?`,
              ),
            )
            .bind(JSON.stringify(traitEntries), event.id),
        ]
      : []),
    ...definitions.map((d) => rewriteContribution(db, d, { ...event, traits, properties })),
    db
      .prepare("UPDATE profiles SET updated_at = ? WHERE id = (SELECT profile_id FROM events WHERE id = ?)")
      .bind(now, event.id),
    db
      .prepare(
        `UPDATE extension_jobs SET status = 'applied', attempts = attempts + 1, answer = ?, last_error = NULL, updated_at = ?
         WHERE id = ? AND EXISTS (SELECT 1 FROM events WHERE id = ? AND traits = ? AND properties = ?)`,
      )
      .bind(JSON.stringify(answer), now, job.id, event.id, traits, properties),
  ];
  const results = await db.batch(statements);
  return (results.at(-1)?.meta.changes ?? 0) > 0 ? "applied" : "changed";
}

async function rejectStored(db: D1Database, job: JobRow, reason: string): Promise<void> {
  await db.batch([
    db
      .prepare(
        "UPDATE events SET warnings = json_insert(warnings, '$[#]', ?) WHERE workspace = ? AND source_id = ? AND event_key = ?",
      )
      .bind(
        `async extension refused the stored event: ${reason}`,
        job.workspace,
        job.source_id,
        job.event_key,
      ),
    finishStatement(db, job, "rejected", reason),
  ]);
}

async function finish(
  db: D1Database,
  job: JobRow,
  status: "abandoned" | "rejected",
  reason: string,
): Promise<void> {
  await finishStatement(db, job, status, reason).run();
  log.warn("extension_job_closed", { jobId: job.id, status, reason });
}

function finishStatement(db: D1Database, job: JobRow, status: string, reason: string): D1PreparedStatement {
  return db
    .prepare(
      "UPDATE extension_jobs SET status = ?, last_error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
    )
    .bind(status, reason.slice(0, 500), Date.now(), job.id);
}

/** Schedules the next attempt: after `afterMs` when the system said so, else exponential backoff. */
async function reschedule(
  db: D1Database,
  job: JobRow,
  reason: string,
  afterMs?: number,
  answer?: Answer,
): Promise<void> {
  const delayMs = afterMs ?? retryDelaySeconds(job.attempts + 1, 2, MAX_BACKOFF_SECONDS) * 1000;
  const now = Date.now();
  await db
    .prepare(
      `UPDATE extension_jobs SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, answer = coalesce(?, answer),
         updated_at = ? WHERE id = ? AND status = 'pending'`,
    )
    .bind(now + delayMs, reason.slice(0, 500), answer ? JSON.stringify(answer) : null, now, job.id)
    .run();
}
