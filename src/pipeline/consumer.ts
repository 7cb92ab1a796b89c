import { workspaceDb } from "../db/workspace-db";
import { type DeliveryLogEntry, recordDeliveries } from "../deliveries/delivery-log";
import { applyExtensions, BatchExtensionLists, startAsyncJobs } from "../enrichment/apply";
import { configOf } from "../lib/config";
import type { Env } from "../lib/env";
import { describeError } from "../lib/failure";
import { log } from "../lib/log";
import { countSettled } from "../observability/counts";
import { type ApplyOutcome, applyByWorkspace } from "./apply";
import { archiveStoredEvents } from "./archive";
import { deliveryStatuses } from "./outcome";
import { type PreparedMessage, prepareMessage, SourceCache } from "./prepare";
import { settleFailure } from "./settle";

/**
 * Ingest queue consumer. Each message is decoded into canonical events (prepare), each workspace's
 * events are applied by its IdentityResolver (apply), the outcome of each delivery (stored, merged,
 * duplicate or ignored) goes to the delivery log in one statement set, and only then is the message acked.
 * The events stored are appended to the archive (R2) on the way (pipeline/archive.ts).
 * Anything that fails is retried with backoff or dead-lettered (settle).
 *
 * Exactly-once effect on an at-least-once queue: every event's effects commit in its workspace's
 * IdentityResolver in one SQLite transaction behind the event's dedupe claim (workspace, source, event
 * key), and reach D1 through the resolver's versioned outbox, so a redelivered message, a sender's
 * duplicate or a replay re-applies nothing.
 */
export async function handleIngestBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  now = Date.now(),
): Promise<void> {
  const maxRetries = configOf(env).ingestMaxRetries;
  const sources = new SourceCache(env);
  const extensionLists = new BatchExtensionLists(env);
  const prepared: PreparedMessage[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        prepared.push(
          await applyExtensions(env, await prepareMessage(message, env, sources), extensionLists),
        );
      } catch (error) {
        await settleFailure(env, message, error, maxRetries, now);
      }
    }),
  );

  const { outcomes, projectionBehind } = await applyByWorkspace(env, prepared);
  const applied: { item: PreparedMessage; results: Extract<ApplyOutcome, { ok: true }>["results"] }[] = [];
  for (const [item, outcome] of outcomes) {
    if (outcome.ok) applied.push({ item, results: outcome.results });
    else await settleFailure(env, item.message, outcome.error, maxRetries, now);
  }

  // Never throws: an event not archived now stays in D1's outbox for the cron (pipeline/archive.ts);
  // so do the events of a workspace whose projection is behind (D1 has no row to mark yet).
  await archiveStoredEvents(env, applied, now, projectionBehind);

  try {
    // Async enrichment starts only for stored events; a failure here retries the message, which
    // re-applies nothing and re-plans nothing (stable job ids).
    await startAsyncJobs(
      env,
      applied.map(({ item }) => item),
    );
    const statuses = await deliveryStatuses(
      (workspace) => workspaceDb(env, workspace),
      applied.map(({ item, results }) => ({ envelope: item.envelope, results })),
    );
    const entries: DeliveryLogEntry[] = applied.map(({ item: { envelope } }) => {
      const status = statuses.get(envelope.deliveryId) ?? "stored";
      return {
        sourceId: envelope.sourceId,
        deliveryId: envelope.deliveryId,
        status,
        ...(status === "ignored" ? { reason: "no_events" } : {}),
        idempotencyKey: envelope.idempotencyKey,
        receivedAt: envelope.receivedAt,
        processedAt: now,
        headers: envelope.headers,
        // A body kept in R2 (bodyRef) is not copied: the detail view shows its size only.
        ...(envelope.body === undefined ? {} : { body: envelope.body }),
      };
    });
    await recordDeliveries(env.DB, entries);
    for (const { item, results } of applied)
      countSettled(item.envelope, statuses.get(item.envelope.deliveryId) ?? "stored", results);
  } catch (error) {
    // The events are committed; only their async enrichment plans or log rows are missing. Retrying
    // re-applies nothing and writes them; on the last attempt the delivery is acked rather than
    // dead-lettered (the stored events stand; a lost async plan is logged).
    for (const { item } of applied) {
      if (item.message.attempts > maxRetries) {
        log.error("delivery_log_lost", { deliveryId: item.envelope.deliveryId, error: describeError(error) });
        item.message.ack();
      } else {
        await settleFailure(env, item.message, error, maxRetries, now);
      }
    }
    return;
  }
  for (const { item } of applied) item.message.ack();
}
