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
  /**
   * A poll's static headers (`poll.headers` values, often API keys), AES-GCM sealed JSON; `config`
   * then keeps only their names. Null for sources without them, and for rows stored before headers
   * were sealed (their values are still read from `config`).
   */
  sealedPollHeaders: text("sealed_poll_headers"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
