import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Identifier values that linked more profiles than the workspace's quarantine threshold: they no
 * longer match or merge anything until an operator releases them. Times are epoch ms.
 */
export const identifierQuarantine = sqliteTable(
  "identifier_quarantine",
  {
    workspace: text("workspace").notNull(),
    type: text("type").notNull(),
    value: text("value").notNull(),
    /** Profiles the value would have linked when it was quarantined. */
    linkedProfiles: integer("linked_profiles").notNull(),
    eventId: text("event_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspace, t.type, t.value] })],
);

/**
 * Identity decisions an operator may want to review: an identifier dropped by merge protection, a
 * merge refused by a cap, a value quarantined. `profile_ids` is a JSON array. Times are epoch ms.
 */
export const identityFlags = sqliteTable(
  "identity_flags",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    kind: text("kind").notNull(),
    identifierType: text("identifier_type"),
    identifierValue: text("identifier_value"),
    profileIds: text("profile_ids", { mode: "json" }).notNull().$type<string[]>(),
    eventId: text("event_id"),
    rule: text("rule").notNull(),
    detail: text("detail").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("identity_flags_workspace_idx").on(t.workspace, t.createdAt)],
);
