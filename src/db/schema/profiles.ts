import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A customer profile in one workspace. A merged profile keeps its row with `merged_into` set to the
 * survivor, so lookups by an old id can be redirected. Times are epoch milliseconds.
 */
export const profiles = sqliteTable(
  "profiles",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    mergedInto: text("merged_into"),
    mergeCount: integer("merge_count").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  // merged_into is searched on every merge (redirects are re-pointed to the survivor) and by the
  // profile view; without the index each merge scans every profile.
  (t) => [
    index("profiles_workspace_idx").on(t.workspace, t.createdAt),
    index("profiles_merged_into_idx").on(t.mergedInto),
  ],
);

/**
 * An identifier (type + normalized value) that belongs to exactly one live profile of a workspace: the
 * unique index is the invariant "no identifier value belongs to two live profiles". `raw_value` keeps
 * the first spelling seen (the original spelling is a display attribute, not the match key).
 */
export const identifiers = sqliteTable(
  "identifiers",
  {
    workspace: text("workspace").notNull(),
    type: text("type").notNull(),
    value: text("value").notNull(),
    profileId: text("profile_id").notNull(),
    rawValue: text("raw_value").notNull(),
    sourceId: text("source_id"),
    /** Earliest `occurred_at` of an event that carried it (rows stored before: their receipt time). */
    firstSeenAt: integer("first_seen_at").notNull(),
    /** Latest `occurred_at` of an event that carried it onto this profile (windowed limits count from it). */
    lastSeenAt: integer("last_seen_at").notNull().default(0),
    /** How many other profiles this value has linked or tried to link (quarantine counts from it). */
    linkCount: integer("link_count").notNull().default(0),
  },
  (t) => [
    uniqueIndex("identifiers_value_uq").on(t.workspace, t.type, t.value),
    index("identifiers_profile_idx").on(t.profileId),
    // Profile search by a value of any type (exact or prefix) walks this index in value order; the
    // unique index above needs the type first.
    index("identifiers_value_any_type_idx").on(t.workspace, t.value, t.type),
  ],
);

/**
 * The latest value of each trait on a profile, last-writer-wins by the setting event's `occurred_at`
 * (then event id, so ties resolve the same way whatever the arrival order).
 */
export const traits = sqliteTable(
  "traits",
  {
    profileId: text("profile_id").notNull(),
    name: text("name").notNull(),
    value: text("value", { mode: "json" }).$type<unknown>(),
    occurredAt: integer("occurred_at").notNull(),
    eventId: text("event_id").notNull(),
    sourceId: text("source_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.profileId, t.name] })],
);

/** Why two profiles became one: for operators (GET /v1/admin/profiles/{id}/merges). */
export const merges = sqliteTable(
  "merges",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    survivorId: text("survivor_id").notNull(),
    mergedId: text("merged_id").notNull(),
    identifierType: text("identifier_type").notNull(),
    identifierValue: text("identifier_value").notNull(),
    eventId: text("event_id").notNull(),
    rule: text("rule").notNull(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [index("merges_survivor_idx").on(t.survivorId), index("merges_merged_idx").on(t.mergedId)],
);
