import { database } from "../db/client";
import { resolverFor } from "../identity/resolver";
import type { QueueMessage } from "../ingest/envelope";
import { type Source, SourceStore } from "../ingest/sources";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { retryDelaySeconds } from "./backoff";
import { recordDeadLetter } from "./dead-letters";
import type { CanonicalEvent } from "./event";
import { loadPayload, PermanentError } from "./load-payload";
import { MAPPERS } from "./mapping";
import { toCanonical } from "./mapping/types";

/**
 * Ingest queue consumer. For each message: load the body, map it to canonical events with the
 * source's mapping, then hand each workspace's events to its IdentityResolver in one call. A message is
 * acked only after all its events are committed (or found to be duplicates); otherwise it is retried
 * with backoff, and permanent failures go straight to the dead-letter table.
 */
export async function handleIngestBatch(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  const sources = new Map<string, Promise<Source | null>>();
  const store = new SourceStore(database(env.DB), env.SECRETS_KEY);
  const byWorkspace = new Map<string, { message: Message<QueueMessage>; events: CanonicalEvent[] }[]>();

  for (const message of batch.messages) {
    try {
      const envelope = message.body;
      if (!sources.has(envelope.sourceId)) sources.set(envelope.sourceId, store.get(envelope.sourceId));
      const source = await sources.get(envelope.sourceId)!;
      if (!source) throw new PermanentError("source no longer exists");
      const payload = await loadPayload(envelope, env.PAYLOADS);
      const events = toCanonical(
        envelope,
        MAPPERS[source.type]({ payload, envelope, config: source.config }),
      );
      const group = byWorkspace.get(envelope.workspace) ?? [];
      group.push({ message, events });
      byWorkspace.set(envelope.workspace, group);
    } catch (error) {
      await fail(env, message, error);
    }
  }

  await Promise.all(
    [...byWorkspace].map(async ([workspace, items]) => {
      try {
        await resolverFor(env, workspace).apply(items.flatMap((i) => i.events));
        for (const item of items) item.message.ack();
      } catch (error) {
        // Events applied before the failure are committed; their retry is a no-op (dedupe).
        for (const item of items) await fail(env, item.message, error);
      }
    }),
  );
}

async function fail(env: Env, message: Message<QueueMessage>, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof PermanentError) {
    try {
      await recordDeadLetter(env.DB, message.body, reason, message.attempts);
      message.ack();
      return;
    } catch (storeError) {
      log.error("dead_letter_store_failed", { error: String(storeError) });
    }
  }
  const delaySeconds = retryDelaySeconds(message.attempts);
  log.warn("message_retry", {
    deliveryId: message.body.deliveryId,
    attempts: message.attempts,
    delaySeconds,
    reason,
  });
  message.retry({ delaySeconds });
}
