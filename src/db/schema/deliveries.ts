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
 *
 * `headers` and `body` are what the console's delivery detail shows: the forwarded headers (the ones
 * the pipeline reads, never a signature or credential) and the first DELIVERY_BODY_CAP bytes of the
 * body, with `body_bytes` its full size. Only deliveries the edge accepted (authenticated) keep them;
 * a rejected request's content is never stored, so an unauthenticated sender cannot fill D1. Erasing a
 * profile clears them on the deliveries its events came from.
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
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
    body: text("body"),
    bodyBytes: integer("body_bytes"),
  },
  (t) => [
    index("deliveries_source_idx").on(t.sourceId, t.receivedAt),
    index("deliveries_source_status_idx").on(t.sourceId, t.status, t.receivedAt),
    // (received_at, status) covers the overview's per-minute counts without reading the rows.
    index("deliveries_received_idx").on(t.receivedAt, t.status),
    // The log filtered by disposition across sources, and rejection reasons over a time range.
    index("deliveries_status_idx").on(t.status, t.receivedAt, t.reason),
    index("deliveries_idempotency_idx").on(t.idempotencyKey, t.receivedAt),
  ],
);

/**
 * A bulk replay of the dead letters matching `filter` (JSON of the dead-letter filter), started from
 * the admin API and advanced in steps (right after it starts, then by each cron tick) so an operator can
 * leave and come back to it. Only dead letters created before `until` (the start) are replayed: one
 * that fails again comes back as a new dead letter and must not be replayed by the same job forever.
 * `cursor_at`/`cursor_id` is the last dead letter handled (oldest first); `lease_until` keeps two
 * runners (the request's waitUntil and a cron tick) off the same job. status: `running` or `done`;
 * `error` is the last failure (the queue refused a batch), retried by the next step. Times are epoch ms.
 */
export const replayJobs = sqliteTable(
  "replay_jobs",
  {
    id: text("id").primaryKey(),
    filter: text("filter", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    status: text("status").notNull(),
    total: integer("total").notNull(),
    replayed: integer("replayed").notNull().default(0),
    until: integer("until").notNull(),
    cursorAt: integer("cursor_at"),
    cursorId: text("cursor_id"),
    leaseUntil: integer("lease_until"),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("replay_jobs_status_idx").on(t.status, t.createdAt)],
);
