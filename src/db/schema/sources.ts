import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A source: one sending system (a Shopify shop, a GitHub org, a Stripe account...) with its scheme,
 * settings and sealed secrets. `config` holds non-secret settings as JSON (see SourceConfig);
 * `sealed_secrets` holds the AES-GCM sealed JSON list of active secrets (see src/sources/store.ts).
 */
export const sources = sqliteTable("sources", {
  id: text("id").primaryKey(),
  workspace: text("workspace").notNull(),
  name: text("name").notNull(),
  type: text("type").notNull(),
  config: text("config", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  sealedSecrets: text("sealed_secrets").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
