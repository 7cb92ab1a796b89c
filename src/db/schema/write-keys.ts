import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A write key of an `app` source: the credential apps and SDKs send (Segment's HTTP Tracking API
 * wire format). Only the SHA-256 of the key is stored (`key_hash`, lower-case hex, unique), so a
 * database leak does not leak usable keys; `key_prefix` (the first characters) lets operators tell
 * keys apart. A revoked key keeps its row with `revoked_at` set. Times are epoch milliseconds.
 */
export const writeKeys = sqliteTable(
  "write_keys",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id").notNull(),
    workspace: text("workspace").notNull(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    keyPrefix: text("key_prefix").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("write_keys_hash_uq").on(t.keyHash), index("write_keys_source_idx").on(t.sourceId)],
);
