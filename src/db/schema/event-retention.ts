import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A workspace's event retention window as set through the admin API (no row: the configured one,
 * src/cron/event-retention.ts). Control data: kept in the default database, whichever database holds
 * the workspace's events. `days` is 1–36500; times are epoch ms.
 */
export const eventRetentionSettings = sqliteTable("event_retention_settings", {
  workspace: text("workspace").primaryKey(),
  days: integer("days").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
