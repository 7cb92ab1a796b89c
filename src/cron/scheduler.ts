import { evaluateAlerts } from "../alerts/evaluate";
import { advanceReplayJobs } from "../deliveries/replay-jobs";
import { QueueSendError, sendInBatches } from "../deliveries/send-in-batches";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { forgetOldFetches } from "../pipeline/notify-cache";
import { FileImportStore } from "../pull/csv/imports";
import { PollJobStore } from "../pull/jobs";
import type { PollMessage } from "../pull/messages";
import { ageOutEvents, archivePending } from "./event-retention";
import { sweepOrphanedSourceRows } from "./orphans";
import { cleanUpDeliveryLog } from "./retention";

/** An import untouched this long lost its queue message: the cron queues it again. */
const STALLED_IMPORT_MS = 10 * 60_000;

/**
 * Cron Trigger handler (every minute): picks due work and enqueues it; it never fetches and never
 * sleeps. Poll jobs are synced with the sources that have a `poll` config, due ones (including runs
 * parked by a rate limit whose time has come) are marked running and sent to the poll queue;
 * stalled file imports are re-queued; running bulk replays of dead letters take one step each
 * (src/deliveries/replay-jobs.ts); housekeeping runs next (delivery log; events: archive outbox,
 * then retention, see event-retention.ts), alert rules are evaluated last. Each task is isolated: one failing does
 * not stop the others, and no exception escapes. `scheduledTime` is "now", so a late tick is exact.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const now = controller.scheduledTime;
  log.info("scheduled_tick", { cron: controller.cron, scheduledTime: now });
  await task("dispatch_poll_jobs", () => dispatchPollJobs(env, now));
  await task("requeue_stalled_imports", () => requeueStalledImports(env, now));
  await task("advance_replay_jobs", () => advanceReplayJobs(env, now));
  await task("forget_old_fetches", () => forgetOldFetches(env.DB, now));
  await task("clean_up_delivery_log", () => cleanUpDeliveryLog(env, now));
  await task("sweep_orphaned_source_rows", () => sweepOrphanedSourceRows(env));
  await task("archive_pending_events", () => archivePending(env, now));
  await task("age_out_events", () => ageOutEvents(env, now));
  // Last, so a slow receiver or a failing evaluation never delays the poll jobs.
  await task("evaluate_alerts", () => evaluateAlerts(env, now));
}

/** Syncs poll jobs with sources and enqueues the due ones; returns how many were enqueued. */
export async function dispatchPollJobs(env: Env, now: number): Promise<number> {
  const jobs = new PollJobStore(env.DB);
  await jobs.sync(now);
  const due = await jobs.dispatchDue(now);
  // A job whose message is lost after a successful send (dropped by the queue, consumer crashed) is
  // re-dispatched once it is stale (jobs.STALE_MS); one whose send is refused is parked right away.
  try {
    await sendInBatches(
      env.POLL_QUEUE,
      due.map((job) => ({ type: "poll", ...job }) satisfies PollMessage),
    );
  } catch (error) {
    const sent = error instanceof QueueSendError ? error.sent : 0;
    await undispatch(jobs, due.slice(sent), error, now);
    if (sent > 0) log.info("poll_jobs_dispatched", { count: sent });
    return sent;
  }
  if (due.length > 0) log.info("poll_jobs_dispatched", { count: due.length });
  return due.length;
}

/**
 * Parks runs whose poll message the queue refused, due again at once, with the refusal as the job's last
 * error: they are sent again by the next tick instead of staying `running` with no message.
 */
async function undispatch(
  jobs: PollJobStore,
  unsent: readonly { sourceId: string; runId: string }[],
  error: unknown,
  now: number,
): Promise<void> {
  const cause = error instanceof QueueSendError ? error.cause : error;
  const reason = `not started: the poll queue refused the message (${String(cause).slice(0, 200)}); retried at the next cron tick`;
  for (const job of unsent) await jobs.undispatch(job.sourceId, job.runId, reason, now);
  log.error("poll_jobs_not_sent", { count: unsent.length, error: String(cause).slice(0, 300) });
}

async function requeueStalledImports(env: Env, now: number): Promise<void> {
  const stalled = await new FileImportStore(env.DB).stalled(now, STALLED_IMPORT_MS);
  if (stalled.length === 0) return;
  await sendInBatches(
    env.POLL_QUEUE,
    stalled.map((importId) => ({ type: "file-import", importId }) satisfies PollMessage),
  );
  log.warn("file_imports_requeued", { count: stalled.length });
}

async function task(name: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    log.error("scheduled_task_failed", { task: name, error: String(error).slice(0, 300) });
  }
}
