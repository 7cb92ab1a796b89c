import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * An object of the events archive (R2, gzip NDJSON, one per workspace, hour and batch; see
 * src/events/archive). Written before the object itself, so an object can never exist without its
 * row: erasure and the readers find every object from here. `hour` is the epoch ms of the hour's
 * start (UTC) of its events' `received_at`; `events` and `bytes` describe the object as last written.
 */
export const archiveObjects = sqliteTable(
  "archive_objects",
  {
    key: text("key").primaryKey(),
    workspace: text("workspace").notNull(),
    hour: integer("hour").notNull(),
    events: integer("events").notNull(),
    bytes: integer("bytes").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("archive_objects_workspace_idx").on(t.workspace, t.key)],
);

/**
 * Which archive objects hold events of which profile (the profile the event was stored on; a later
 * merge keeps the loser's row, with `merged_into`, so the survivor's family finds them). Erasure
 * rewrites exactly these objects; a profile export reads them for events past D1's retention window.
 */
export const archiveProfiles = sqliteTable(
  "archive_profiles",
  {
    workspace: text("workspace").notNull(),
    profileId: text("profile_id").notNull(),
    objectKey: text("object_key").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.profileId, t.objectKey] }),
    index("archive_profiles_object_idx").on(t.objectKey),
  ],
);
