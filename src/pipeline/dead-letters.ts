import type { QueueMessage } from "../ingest/envelope";
import { newId } from "../lib/ids";
import { log } from "../lib/log";

/** Name of the dead-letter queue, as declared in wrangler.toml. */
export const DEAD_LETTER_QUEUE_NAME = "tributary-dead-letters";

/**
 * Records a message that will not be retried any more in `dead_letters`, with the reason and the
 * original message so an operator can inspect and replay it.
 */
export async function recordDeadLetter(
  db: D1Database,
  message: QueueMessage,
  reason: string,
  attempts: number,
  now = Date.now(),
): Promise<void> {
  await db
    .prepare(
      "INSERT INTO dead_letters (id, source_id, delivery_id, reason, attempts, message, created_at) VALUES (?,?,?,?,?,?,?)",
    )
    .bind(
      newId("dlq"),
      message.sourceId ?? null,
      message.deliveryId ?? null,
      reason.slice(0, 500),
      attempts,
      JSON.stringify(message),
      now,
    )
    .run();
  log.warn("dead_lettered", { sourceId: message.sourceId, deliveryId: message.deliveryId, reason, attempts });
}

/** Queue consumer of the dead-letter queue: stores each message, acks it once stored. */
export async function handleDeadLetterBatch(
  batch: MessageBatch<QueueMessage>,
  db: D1Database,
): Promise<void> {
  for (const message of batch.messages) {
    try {
      await recordDeadLetter(db, message.body, "delivery attempts exhausted", message.attempts);
      message.ack();
    } catch (error) {
      log.error("dead_letter_store_failed", { error: String(error) });
      message.retry({ delaySeconds: 30 });
    }
  }
}
