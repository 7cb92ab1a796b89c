import type { DeadLetterReason } from "../lib/failure";

/** A dead letter as operators list it. Times are epoch ms. */
export interface DeadLetterSummary {
  id: string;
  sourceId: string | null;
  deliveryId: string | null;
  reason: DeadLetterReason;
  detail: string | null;
  attempts: number;
  createdAt: number;
}

/** A dead letter with the original queue message (what a replay sends again). */
export interface DeadLetter extends DeadLetterSummary {
  message: unknown;
}

/** Which dead letters to list or replay; `from` inclusive, `to` exclusive, epoch ms of dead-lettering. */
export interface DeadLetterFilter {
  sourceId?: string;
  reason?: DeadLetterReason;
  from?: number;
  to?: number;
}

interface Row {
  id: string;
  source_id: string | null;
  delivery_id: string | null;
  reason: DeadLetterReason;
  detail: string | null;
  attempts: number;
  created_at: number;
  message?: string;
}

/** D1's bound-parameter limit per statement. */
const MAX_PARAMS = 100;

/**
 * Dead letters matching `filter`, newest first (or oldest first with `oldestFirst`), keyset-paginated
 * on (created_at, id). With `withMessage` the original messages are included (replay); listing leaves
 * them out.
 */
export async function findDeadLetters(
  db: D1Database,
  filter: DeadLetterFilter & { limit: number; after?: { createdAt: number; id: string } },
  withMessage = false,
  oldestFirst = false,
): Promise<{ data: DeadLetter[]; next: { createdAt: number; id: string } | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.sourceId !== undefined) add("source_id = ?", filter.sourceId);
  if (filter.reason !== undefined) add("reason = ?", filter.reason);
  if (filter.from !== undefined) add("created_at >= ?", filter.from);
  if (filter.to !== undefined) add("created_at < ?", filter.to);
  if (filter.after)
    add(`(created_at, id) ${oldestFirst ? ">" : "<"} (?, ?)`, filter.after.createdAt, filter.after.id);
  const { results } = await db
    .prepare(
      `SELECT id, source_id, delivery_id, reason, detail, attempts, created_at${withMessage ? ", message" : ""}
       FROM dead_letters ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at ${oldestFirst ? "ASC" : "DESC"}, id ${oldestFirst ? "ASC" : "DESC"} LIMIT ?`,
    )
    .bind(...params, filter.limit + 1)
    .all<Row>();
  const page = results.slice(0, filter.limit).map(toDeadLetter);
  const last = page.at(-1);
  return {
    data: page,
    next: results.length > filter.limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}

/** One dead letter with its original message, or null. */
export async function getDeadLetter(db: D1Database, id: string): Promise<DeadLetter | null> {
  const row = await db
    .prepare(
      "SELECT id, source_id, delivery_id, reason, detail, attempts, created_at, message FROM dead_letters WHERE id = ?",
    )
    .bind(id)
    .first<Row>();
  return row ? toDeadLetter(row) : null;
}

/** Deletes dead letters by id (in chunks under the parameter limit). @returns how many existed */
export async function deleteDeadLetters(db: D1Database, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += MAX_PARAMS) {
    const chunk = ids.slice(i, i + MAX_PARAMS);
    statements.push(
      db.prepare(`DELETE FROM dead_letters WHERE id IN (${chunk.map(() => "?").join(",")})`).bind(...chunk),
    );
  }
  const results = await db.batch(statements);
  return results.reduce((sum, r) => sum + r.meta.changes, 0);
}

function toDeadLetter(row: Row): DeadLetter {
  return {
    id: row.id,
    sourceId: row.source_id,
    deliveryId: row.delivery_id,
    reason: row.reason,
    detail: row.detail,
    attempts: row.attempts,
    createdAt: row.created_at,
    message: row.message === undefined ? undefined : JSON.parse(row.message),
  };
}
