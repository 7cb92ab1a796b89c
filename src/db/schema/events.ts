import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A stored canonical event. `(workspace, source_id, event_key)` is unique: it is the atomic dedupe
 * claim that makes a redelivered or re-sent event a no-op (the insert fails and the whole D1 batch
 * rolls back). Times are epoch milliseconds.
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    sourceId: text("source_id").notNull(),
    eventKey: text("event_key").notNull(),
    deliveryId: text("delivery_id").notNull(),
    profileId: text("profile_id").notNull(),
    type: text("type").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    identifiers: text("identifiers", { mode: "json" }).notNull().$type<unknown[]>(),
    traits: text("traits", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    properties: text("properties", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    warnings: text("warnings", { mode: "json" }).notNull().$type<string[]>(),
  },
  (t) => [
    uniqueIndex("events_key_uq").on(t.workspace, t.sourceId, t.eventKey),
    index("events_profile_idx").on(t.profileId, t.occurredAt),
  ],
);
