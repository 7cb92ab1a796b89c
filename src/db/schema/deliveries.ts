import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A message that failed for good (after the queue's retries) and was recorded by the dead-letter
 * consumer, with the original queue message so an operator can replay it. Times are epoch ms.
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id"),
    deliveryId: text("delivery_id"),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    message: text("message", { mode: "json" }).notNull().$type<unknown>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("dead_letters_source_idx").on(t.sourceId, t.createdAt)],
);
