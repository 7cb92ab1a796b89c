import { ApiError } from "../lib/errors";
import type { ConsoleSession } from "./session";

/**
 * Server-side sign-out for the console's stateless sessions: a revocation list in D1
 * (`console_session_revocations`, migration 0015), keyed by the session's nonce and kept until the
 * session's own expiry. The session guard asks it on every console request (one primary-key read), so
 * a cookie copied before sign-out is refused afterwards, on every Worker instance.
 *
 * This is the console's only direct use of D1, and it holds no gateway data: the pages still read
 * everything through the admin API. D1 rather than a per-isolate cache: an isolate's memory is not
 * shared, and the refusal has to hold wherever the stolen cookie is replayed.
 */

/**
 * Records `session` as signed out, and drops rows of sessions that have expired anyway (a sign-out
 * is rare, so the list stays as small as the number of sign-outs in one session lifetime).
 * `nowMs` is epoch ms.
 * @throws ApiError `database_unavailable` (503, Retry-After) when D1 does not answer
 */
export async function revokeSession(
  db: D1Database,
  session: ConsoleSession,
  nowMs = Date.now(),
): Promise<void> {
  try {
    await db.batch([
      db
        .prepare(
          "INSERT INTO console_session_revocations (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(session.nonce, session.expiresAt),
      db
        .prepare("DELETE FROM console_session_revocations WHERE expires_at <= ?")
        .bind(Math.floor(nowMs / 1000)),
    ]);
  } catch {
    // Not recorded means the cookie would keep working elsewhere: say so rather than claim sign-out.
    throw new ApiError("database_unavailable", "Sign-out could not be recorded; retry shortly.", {
      headers: { "Retry-After": "5" },
    });
  }
}

/**
 * True when `session` was signed out ({@link revokeSession}).
 * @throws ApiError `database_unavailable` (503, Retry-After) when D1 does not answer: a console whose
 *   database is down could show nothing anyway, and a session must not be honoured unchecked
 */
export async function isSessionRevoked(db: D1Database, session: ConsoleSession): Promise<boolean> {
  try {
    const row = await db
      .prepare("SELECT 1 AS revoked FROM console_session_revocations WHERE nonce = ?")
      .bind(session.nonce)
      .first<{ revoked: number }>();
    return row !== null;
  } catch {
    throw new ApiError("database_unavailable", "The console could not check the session; retry shortly.", {
      headers: { "Retry-After": "5" },
    });
  }
}
