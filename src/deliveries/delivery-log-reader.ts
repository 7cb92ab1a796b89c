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
  /** Exact idempotency key (the sender's delivery id, a record key, or `sha256:<hex>`). */
  idempotencyKey?: string;
  /** Exact delivery id: at most one row. */
  deliveryId?: string;
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
    // `+status` keeps SQLite off the status index here: an IN over two statuses cannot be read from it
    // in received_at order, so every stored row (most of the log) would be sorted before the first page.
    // Stored is the common disposition, so walking the time (or source, time) index and filtering is
    // the cheap plan; the rarer statuses below keep their (status, received_at) index.
    if (kind === "stored") add("+status IN ('stored', 'accepted')");
    else add("status = ?", kind);
    if (cause !== undefined) add("reason = ?", cause);
  }
  if (query.idempotencyKey !== undefined) add("idempotency_key = ?", query.idempotencyKey);
  if (query.deliveryId !== undefined) add("id = ?", query.deliveryId);
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

/** A delivery log row with what the detail view shows of its content. */
export interface DeliveryDetailRecord extends DeliveryRecord {
  /** Forwarded headers (lower-case names); null for rejections, rows written before they were kept, and after erasure. */
  headers: Record<string, string> | null;
  /** The body's first DELIVERY_BODY_CAP bytes; null when not kept. */
  body: string | null;
  /** The body's full size in bytes; null when not kept. */
  bodyBytes: number | null;
}

/** One delivery log row by id, with its kept headers and body; null when absent (or past retention). */
export async function getDelivery(db: D1Database, id: string): Promise<DeliveryDetailRecord | null> {
  const row = await db
    .prepare(
      `SELECT id, source_id, status, reason, idempotency_key, received_at, processed_at, headers, body, body_bytes
       FROM deliveries WHERE id = ?`,
    )
    .bind(id)
    .first<Row & { headers: string | null; body: string | null; body_bytes: number | null }>();
  if (!row) return null;
  return {
    ...toRecord(row),
    headers: row.headers === null ? null : (JSON.parse(row.headers) as Record<string, string>),
    body: row.body,
    bodyBytes: row.body_bytes,
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

/** A source's recent traffic as the sources list shows it. */
export interface SourceActivity {
  sourceId: string;
  /** Epoch ms of the newest delivery in the log (any disposition); null when none within retention. */
  lastDeliveryAt: number | null;
  /** Rejections since the window's start, per reason code, most frequent first. */
  rejections: { reason: string; count: number }[];
}

/**
 * Last delivery and rejection counts per reason since `since` (epoch ms) for each of `sourceIds`:
 * one indexed lookup per source for the newest row (deliveries_source_idx, ≤ 100 sources per call)
 * and one range scan of deliveries_status_idx for the rejections, so the cost follows the number of
 * sources and rejections in the window, not the size of the log.
 * @throws D1 errors
 */
export async function sourceActivity(
  db: D1Database,
  sourceIds: readonly string[],
  since: number,
): Promise<SourceActivity[]> {
  if (sourceIds.length === 0) return [];
  const ids = JSON.stringify(sourceIds.slice(0, 100));
  const [last, rejected] = await db.batch([
    db
      .prepare(
        `SELECT value AS source_id,
           (SELECT max(received_at) FROM deliveries WHERE source_id = j.value) AS last
         FROM json_each(?) j`,
      )
      .bind(ids),
    db
      .prepare(
        `SELECT source_id, coalesce(reason, 'unknown') AS reason, count(*) AS count FROM deliveries
         WHERE status = 'rejected' AND received_at >= ? AND source_id IN (SELECT value FROM json_each(?))
         GROUP BY 1, 2 ORDER BY count DESC, reason`,
      )
      .bind(since, ids),
  ]);
  const byId = new Map<string, SourceActivity>();
  for (const row of last!.results as { source_id: string; last: number | null }[])
    byId.set(row.source_id, { sourceId: row.source_id, lastDeliveryAt: row.last, rejections: [] });
  for (const row of rejected!.results as { source_id: string; reason: string; count: number }[])
    byId.get(row.source_id)?.rejections.push({ reason: row.reason, count: row.count });
  return [...byId.values()];
}
