import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * How far each workspace's identity projection has been applied: `version` is the sequence number of
 * the last outbox change of the workspace's IdentityResolver written to D1. Every projection batch
 * moves it in the same transaction as its changes, and refuses to run unless it stands before the
 * batch, so a batch sent twice applies once. Times are epoch ms.
 */
export const identityProjection = sqliteTable("identity_projection", {
  workspace: text("workspace").primaryKey(),
  version: integer("version").notNull().default(0),
  updatedAt: integer("updated_at").notNull(),
});
