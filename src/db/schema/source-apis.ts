import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Credentials the gateway uses to call a source's own API (bearer, Basic, API key, OAuth2 client
 * credentials), sealed with AES-GCM under SECRETS_KEY like source secrets. An OAuth2 access token is
 * cached sealed too, with its expiry (epoch ms). Never returned by any API.
 */
export const sourceCredentials = sqliteTable("source_credentials", {
  sourceId: text("source_id").primaryKey(),
  kind: text("kind").notNull(),
  sealed: text("sealed").notNull(),
  sealedToken: text("sealed_token"),
  tokenExpiresAt: integer("token_expires_at"),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The rate budget toward one source's API, shared by everything that calls it (poller,
 * fetch-on-notify): a fixed window of `used` requests since `window_start`, and `next_allowed_at`
 * pushed by 429 / Retry-After. `backoff_attempts` counts 429s without a usable Retry-After (for the
 * default exponential back-off); a successful call resets it. Times are epoch ms.
 */
export const rateBudgets = sqliteTable("rate_budgets", {
  sourceId: text("source_id").primaryKey(),
  windowStart: integer("window_start").notNull().default(0),
  used: integer("used").notNull().default(0),
  nextAllowedAt: integer("next_allowed_at").notNull().default(0),
  backoffAttempts: integer("backoff_attempts").notNull().default(0),
  lastReason: text("last_reason"),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Fetch-on-notify coalescing: the last fetch of one object (by SHA-256 of its URL) per source. A
 * notification received before `fetched_at` reuses `body` instead of fetching again; `claim_id` and
 * `claimed_at` make one consumer the fetcher while others wait. Rows are short-lived (the cron removes
 * those older than an hour). Times are epoch ms.
 */
export const notifyFetches = sqliteTable(
  "notify_fetches",
  {
    sourceId: text("source_id").notNull(),
    urlHash: text("url_hash").notNull(),
    claimId: text("claim_id"),
    claimedAt: integer("claimed_at").notNull().default(0),
    fetchedAt: integer("fetched_at"),
    body: text("body"),
  },
  (t) => [primaryKey({ columns: [t.sourceId, t.urlHash] })],
);
