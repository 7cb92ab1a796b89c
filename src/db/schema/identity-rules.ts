import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A workspace's identity resolution rules (see src/identity/rules.ts for the shape), as last saved
 * through the admin API. No row means the defaults. `version` counts saves. Times are epoch ms.
 */
export const identityRules = sqliteTable("identity_rules", {
  workspace: text("workspace").primaryKey(),
  rules: text("rules", { mode: "json" }).notNull().$type<unknown>(),
  version: integer("version").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
