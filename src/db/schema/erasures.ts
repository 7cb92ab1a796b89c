import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Keys of events erased with their profile. A redelivery of an erased event is recognized here and
 * ignored, so erasure does not undo exactly-once (the key is a delivery id or a body hash, not
 * personal data). Times are epoch ms.
 */
export const erasedEvents = sqliteTable(
  "erased_events",
  {
    workspace: text("workspace").notNull(),
    sourceId: text("source_id").notNull(),
    eventKey: text("event_key").notNull(),
    erasedAt: integer("erased_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspace, t.sourceId, t.eventKey] })],
);

/**
 * Proof that a profile was erased (right to be forgotten): ids and counts only, never the erased
 * values. `profile_ids` and `counts` are JSON. Times are epoch ms.
 */
export const erasureReceipts = sqliteTable("erasure_receipts", {
  id: text("id").primaryKey(),
  workspace: text("workspace").notNull(),
  profileId: text("profile_id").notNull(),
  profileIds: text("profile_ids", { mode: "json" }).notNull().$type<string[]>(),
  counts: text("counts", { mode: "json" }).notNull().$type<Record<string, number>>(),
  createdAt: integer("created_at").notNull(),
});
