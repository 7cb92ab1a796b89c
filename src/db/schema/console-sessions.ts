import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Console sessions ended by sign-out before their expiry (src/console/session-revocations.ts). A
 * session cookie is stateless and signed; this list is what makes a copied cookie stop working once its
 * operator signs out. `nonce` is the session's random nonce (32 hex), never the cookie or its MAC;
 * `expires_at` the session's own expiry (Unix seconds): after it the cookie is refused anyway, so the
 * row can go.
 */
export const consoleSessionRevocations = sqliteTable(
  "console_session_revocations",
  {
    nonce: text("nonce").primaryKey(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("console_session_revocations_expires_idx").on(t.expiresAt)],
);
