import type { DeliveryStatus } from "./delivery-log";

/** A delivery log row as the admin API shows it. Times are epoch ms. */
export interface DeliveryRecord {
  id: string;
  sourceId: string;
  status: DeliveryStatus;
  reason: string | null;
  idempotencyKey: string | null;
  receivedAt: number;
  processedAt: number | null;
}

/** Filters of {@link listDeliveries}; `from` inclusive, `to` exclusive, epoch ms. */
export interface DeliveryQuery {
  sourceId?: string;
  status?: DeliveryStatus;
  /** A disposition kind, optionally with its cause (the row's reason). `stored` includes legacy `accepted` rows. */
  disposition?: { kind: DeliveryStatus; cause?: string };
  from?: number;
  to?: number;
  limit: number;
  /** Continue after this row (from a previous page's `nextCursor`). */
  after?: { receivedAt: number; id: string };
}

interface Row {
  id: string;
  source_id: string;
  status: DeliveryStatus;
  reason: string | null;
  idempotency_key: string | null;
  received_at: number;
  processed_at: number | null;
}

/**
 * The delivery log, newest first, filtered by source, status and time range; keyset-paginated on
 * (received_at, id) so pages stay stable while new deliveries arrive.
 */
export async function listDeliveries(
  db: D1Database,
  query: DeliveryQuery,
): Promise<{ data: DeliveryRecord[]; next: { receivedAt: number; id: string } | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (query.sourceId !== undefined) add("source_id = ?", query.sourceId);
  if (query.status !== undefined) add("status = ?", query.status);
  if (query.disposition !== undefined) {
    const { kind, cause } = query.disposition;
    if (kind === "stored") add("status IN ('stored', 'accepted')");
    else add("status = ?", kind);
    if (cause !== undefined) add("reason = ?", cause);
  }
  if (query.from !== undefined) add("received_at >= ?", query.from);
  if (query.to !== undefined) add("received_at < ?", query.to);
  if (query.after) add("(received_at, id) < (?, ?)", query.after.receivedAt, query.after.id);
  const { results } = await db
    .prepare(
      `SELECT id, source_id, status, reason, idempotency_key, received_at, processed_at FROM deliveries
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY received_at DESC, id DESC LIMIT ?`,
    )
    .bind(...params, query.limit + 1)
    .all<Row>();
  const page = results.slice(0, query.limit).map(toRecord);
  const last = page.at(-1);
  return {
    data: page,
    next: results.length > query.limit && last ? { receivedAt: last.receivedAt, id: last.id } : null,
  };
}

/**
 * How many of a source's deliveries were rejected, per reason code, in `[from, to)` (epoch ms),
 * most frequent first.
 */
export async function rejectionCounts(
  db: D1Database,
  sourceId: string,
  range: { from?: number; to?: number },
): Promise<{ reason: string; count: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT coalesce(reason, 'unknown') AS reason, count(*) AS count FROM deliveries
       WHERE source_id = ? AND status = 'rejected' AND received_at >= ? AND received_at < ?
       GROUP BY 1 ORDER BY count DESC, reason`,
    )
    .bind(sourceId, range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER)
    .all<{ reason: string; count: number }>();
  return results;
}

function toRecord(row: Row): DeliveryRecord {
  return {
    id: row.id,
    sourceId: row.source_id,
    status: row.status,
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    receivedAt: row.received_at,
    processedAt: row.processed_at,
  };
}
