import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A stored canonical event. `(workspace, source_id, event_key)` is unique: it is the atomic dedupe
 * claim that makes a redelivered or re-sent event a no-op (the insert fails and the whole D1 batch
 * rolls back). Times are epoch milliseconds.
 *
 * Retention (src/cron/event-retention.ts): once an event is older than its workspace's window and its
 * copy is in the archive, its body (identifiers, traits, properties, warnings) is emptied and
 * `aged_out_at` set. The row that stays is the dedupe claim and the link from the event to its profile
 * that indicator values and merges rely on; readers take the body from the archive.
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
    /** When this version of the event reached the archive; null: not yet (an async enrichment resets it). */
    archivedAt: integer("archived_at"),
    /** When retention emptied the body (only the archive has it since); null while D1 has it. */
    agedOutAt: integer("aged_out_at"),
  },
  (t) => [
    uniqueIndex("events_key_uq").on(t.workspace, t.sourceId, t.eventKey),
    index("events_profile_idx").on(t.profileId, t.occurredAt),
    // The delivery detail lists the events a delivery produced.
    index("events_delivery_idx").on(t.deliveryId),
    // Partial indexes: each holds only the rows its cron task still has to visit.
    index("events_unarchived_idx").on(t.workspace, t.receivedAt).where(sql`archived_at IS NULL`),
    index("events_retention_idx").on(t.workspace, t.receivedAt).where(sql`aged_out_at IS NULL`),
  ],
);
