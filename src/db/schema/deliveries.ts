import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A message that failed for good (permanent error, or its retries ran out) and was recorded by the
 * dead-letter consumer, with the original queue message so an operator can inspect and replay it.
 * `reason` is a stable code (see DEAD_LETTER_REASONS), `detail` the last error message.
 * `delivery_id` is unique: the dead-letter queue is at-least-once too, and a redelivered dead letter
 * updates its row instead of adding a second one. Times are epoch ms.
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id"),
    deliveryId: text("delivery_id"),
    reason: text("reason").notNull(),
    detail: text("detail"),
    attempts: integer("attempts").notNull(),
    message: text("message", { mode: "json" }).notNull().$type<unknown>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("dead_letters_source_idx").on(t.sourceId, t.createdAt),
    uniqueIndex("dead_letters_delivery_uq").on(t.deliveryId),
    index("dead_letters_created_idx").on(t.createdAt),
  ],
);

/**
 * The delivery log: one row per request the edge received for a source, with what became of it
 * (`accepted`, `duplicate`, `rejected` with a reason code, `dead_lettered`). Kept for the retention
 * period (DELIVERY_LOG_RETENTION_DAYS, default 30), then removed by the cron trigger. Times are epoch ms.
 */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id").notNull(),
    status: text("status").notNull(),
    reason: text("reason"),
    idempotencyKey: text("idempotency_key"),
    receivedAt: integer("received_at").notNull(),
    /** When the pipeline consumer settled it (null for rejections). */
    processedAt: integer("processed_at"),
  },
  (t) => [
    index("deliveries_source_idx").on(t.sourceId, t.receivedAt),
    index("deliveries_source_status_idx").on(t.sourceId, t.status, t.receivedAt),
    index("deliveries_received_idx").on(t.receivedAt),
  ],
);
