import { retryDelaySeconds } from "../lib/backoff";
import { configOf } from "../lib/config";
import type { Env } from "../lib/env";
import type { DeadLetterReason } from "../lib/failure";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { deliveryLogStatements } from "./delivery-log";

/** Name of the dead-letter queue, as declared in wrangler.toml. */
export const DEAD_LETTER_QUEUE_NAME = "tributary-dead-letters";

/**
 * What the ingest consumer puts on the dead-letter queue when a message fails for good: the original
 * message untouched (so a replay is exact) plus why and after how many attempts. Queues itself moves
 * only the bare original, without a reason, so the consumer does it on the last attempt.
 */
export interface DeadLetterMessage {
  kind: "dead-letter";
  v: 1;
  reason: DeadLetterReason;
  /** The last error message (log-safe, at most 500 characters). */
  detail: string;
  attempts: number;
  /** Epoch ms. */
  failedAt: number;
  message: unknown;
}

/** A dead letter about to be stored. */
export interface DeadLetterInput {
  reason: DeadLetterReason;
  detail: string;
  attempts: number;
  failedAt: number;
  message: unknown;
}

/** Whether a dead-letter queue message was wrapped by our consumer (else Queues moved the bare original). */
export function isDeadLetterMessage(body: unknown): body is DeadLetterMessage {
  return (
    typeof body === "object" &&
    body !== null &&
    (body as { kind?: unknown }).kind === "dead-letter" &&
    "message" in body
  );
}

/** Fields of a pipeline message that identify its delivery, when it has them. */
export function deliveryFields(message: unknown): {
  sourceId: string | null;
  deliveryId: string | null;
  receivedAt: number | null;
  idempotencyKey: string | null;
} {
  const m = (typeof message === "object" && message !== null ? message : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    sourceId: text(m.sourceId),
    deliveryId: text(m.deliveryId),
    receivedAt: typeof m.receivedAt === "number" ? m.receivedAt : null,
    idempotencyKey: text(m.idempotencyKey),
  };
}

/**
 * Stores a dead letter in `dead_letters` and marks its delivery `dead_lettered` in the delivery log, in
 * one D1 batch. Idempotent: the unique delivery id turns a redelivered dead letter into an update.
 * @throws D1 errors
 */
export async function recordDeadLetter(db: D1Database, input: DeadLetterInput): Promise<void> {
  const fields = deliveryFields(input.message);
  const statements = [
    db
      .prepare(
        `INSERT INTO dead_letters (id, source_id, delivery_id, reason, detail, attempts, message, created_at)
         VALUES (?,?,?,?,?,?,?,?)
         ON CONFLICT (delivery_id) DO UPDATE SET reason = excluded.reason, detail = excluded.detail,
           attempts = excluded.attempts, message = excluded.message, created_at = excluded.created_at`,
      )
      .bind(
        newId("dlq"),
        fields.sourceId,
        fields.deliveryId,
        input.reason,
        input.detail.slice(0, 500),
        input.attempts,
        JSON.stringify(input.message),
        input.failedAt,
      ),
  ];
  if (fields.sourceId && fields.deliveryId && fields.receivedAt !== null) {
    statements.push(
      ...deliveryLogStatements(db, [
        {
          sourceId: fields.sourceId,
          deliveryId: fields.deliveryId,
          status: "dead_lettered",
          reason: input.reason,
          idempotencyKey: fields.idempotencyKey ?? undefined,
          receivedAt: fields.receivedAt,
          processedAt: input.failedAt,
        },
      ]),
    );
  }
  await db.batch(statements);
  log.warn("dead_lettered", {
    sourceId: fields.sourceId,
    deliveryId: fields.deliveryId,
    reason: input.reason,
    attempts: input.attempts,
  });
}

/**
 * Consumer of the dead-letter queue: stores each message as a dead letter and acks it once stored,
 * else retries it with backoff (30 s up to 1 h). A bare message (moved by Queues after its retry
 * limit, when our consumer could not dead-letter it itself) is stored as `queue_retry_limit`.
 */
export async function handleDeadLetterBatch(
  batch: MessageBatch<unknown>,
  env: Pick<Env, "DB" | "INGEST_MAX_RETRIES">,
  now = Date.now(),
): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body;
    const input: DeadLetterInput = isDeadLetterMessage(body)
      ? body
      : {
          reason: "queue_retry_limit",
          detail: "moved to the dead-letter queue by Queues after its retry limit; no failure was recorded",
          attempts: configOf(env).ingestMaxRetries + 1,
          failedAt: now,
          message: body,
        };
    try {
      await recordDeadLetter(env.DB, input);
      message.ack();
    } catch (error) {
      log.error("dead_letter_store_failed", {
        error: String(error).slice(0, 200),
        attempts: message.attempts,
      });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, 30, 3600) });
    }
  }
}
