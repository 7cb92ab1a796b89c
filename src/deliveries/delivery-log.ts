import { utf8, utf8Length } from "../lib/encoding";
import type { Env } from "../lib/env";
import { newId } from "../lib/ids";
import { log } from "../lib/log";

/**
 * What became of a delivery, the kind of its disposition (src/observability/dispositions.ts):
 * `rejected` at the edge (with the problem code as reason); after the pipeline, `stored`, `merged`
 * (stored, and an event merged two profiles), `duplicate` (a copy of a delivery we already had: no
 * second effect), `ignored` (nothing to store, with the cause as reason) or `dead_lettered` (failed
 * for good, with the dead-letter reason); `replayed` while a replayed dead letter is back in the queue.
 * `accepted` is what rows written before dispositions existed say for a stored delivery.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The statuses, for validation. */
export const DELIVERY_STATUSES = [
  "accepted",
  "stored",
  "merged",
  "duplicate",
  "ignored",
  "rejected",
  "dead_lettered",
  "replayed",
] as const;

/** One request the edge received, as operators see it in the delivery log. Times are epoch ms. */
export interface DeliveryLogEntry {
  sourceId: string;
  /** Set for accepted deliveries (the envelope's id); rejections get a fresh id. */
  deliveryId?: string;
  status: DeliveryStatus;
  /** Rejections: the stable error code (e.g. `signature_invalid`); dead letters: the reason code. Never a body or secret. */
  reason?: string;
  idempotencyKey?: string;
  receivedAt: number;
  /** When the pipeline settled the delivery. */
  processedAt?: number;
  /** Accepted deliveries: the forwarded headers (lower-case names), for the console's detail view. */
  headers?: Record<string, string>;
  /** Accepted deliveries: the body as text, stored capped at {@link DELIVERY_BODY_CAP} bytes. */
  body?: string;
}

/**
 * Bytes of a delivery's body the log keeps for the detail view (UTF-8; cut on a character boundary).
 * Enough to read a typical webhook whole; a larger body shows its start and its full size.
 */
export const DELIVERY_BODY_CAP = 16 * 1024;

/**
 * Characters of row JSON one statement binds before a new statement starts: rows go in as one JSON
 * parameter (json_each), so a queue batch is one statement, and a batch of large bodies (kept up to
 * {@link DELIVERY_BODY_CAP} each) splits well below D1's 2 MB limit on a bound value.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
const JSON_CHARS_PER_STATEMENT = 600_000;

/** `body` cut to at most {@link DELIVERY_BODY_CAP} UTF-8 bytes, and its full size in bytes. */
export function cappedBody(body: string): { text: string; bytes: number } {
  const size = utf8Length(body);
  if (size <= DELIVERY_BODY_CAP) return { text: body, bytes: size };
  const bytes = utf8(body);
  // fatal: false drops a character cut in half at the end instead of throwing.
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(
    bytes.subarray(0, DELIVERY_BODY_CAP),
  );
  return { text: text.replace(/\uFFFD$/, ""), bytes: bytes.length };
}

/**
 * Records what the edge decided about a request, without delaying the answer (waitUntil). Only
 * rejections are written here: accepted deliveries are written by the pipeline consumer with their
 * outcome (stored or duplicate), one multi-row statement per queue batch, so the accepting path does
 * no D1 write at all (see docs/architecture.md, "Delivery guarantees"). A failure to log is only
 * logged: the log must never make the edge fail a delivery.
 */
export function logDelivery(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  entry: DeliveryLogEntry,
): void {
  if (entry.status !== "rejected") return;
  ctx.waitUntil(
    recordDeliveries(env.DB, [entry], "keep").catch((error: unknown) => {
      log.error("delivery_log_failed", { sourceId: entry.sourceId, error: String(error).slice(0, 200) });
    }),
  );
}

/**
 * Writes delivery log rows in one batch: one statement, or one per ~600 KB of rows (bodies included). With
 * `onConflict: "update"` an existing row (same delivery id) takes the new status, reason and
 * processing time; this is what the consumer uses, so a redelivered message rewrites the same row.
 * @throws D1 errors
 */
export async function recordDeliveries(
  db: D1Database,
  entries: readonly DeliveryLogEntry[],
  onConflict: "update" | "keep" = "update",
): Promise<void> {
  if (entries.length === 0) return;
  await db.batch(deliveryLogStatements(db, entries, onConflict));
}

/** The statements {@link recordDeliveries} runs, for callers that add them to a larger D1 batch. */
export function deliveryLogStatements(
  db: D1Database,
  entries: readonly DeliveryLogEntry[],
  onConflict: "update" | "keep" = "update",
): D1PreparedStatement[] {
  const conflict =
    onConflict === "update"
      ? `ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason = excluded.reason, processed_at = excluded.processed_at,
         headers = coalesce(excluded.headers, headers), body = coalesce(excluded.body, body),
         body_bytes = coalesce(excluded.body_bytes, body_bytes)`
      : "ON CONFLICT (id) DO NOTHING";
  const sql = `INSERT INTO deliveries (id, source_id, status, reason, idempotency_key, received_at, processed_at,
       headers, body, body_bytes)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
       json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'),
       json_extract(value, '$[9]')
     FROM json_each(?) WHERE true ${conflict}`;
  const statements: D1PreparedStatement[] = [];
  let rows: string[] = [];
  let chars = 0;
  const flush = () => {
    if (rows.length === 0) return;
    statements.push(db.prepare(sql).bind(`[${rows.join(",")}]`));
    rows = [];
    chars = 0;
  };
  for (const e of entries) {
    // Never the content of a rejected request: it is unauthenticated (see the table's docs).
    const keep = e.status !== "rejected";
    const body = keep && e.body !== undefined ? cappedBody(e.body) : null;
    const row = JSON.stringify([
      e.deliveryId ?? newId("dlv"),
      e.sourceId,
      e.status,
      e.reason ?? null,
      e.idempotencyKey ?? null,
      e.receivedAt,
      e.processedAt ?? null,
      keep && e.headers ? JSON.stringify(e.headers) : null,
      body?.text ?? null,
      body?.bytes ?? null,
    ]);
    if (chars + row.length > JSON_CHARS_PER_STATEMENT) flush();
    rows.push(row);
    chars += row.length + 1;
  }
  flush();
  return statements;
}

/**
 * Deletes delivery log rows received before `cutoff` (epoch ms), at most `maxRows` per call in chunks,
 * so one cron tick stays within its CPU and D1 budgets; the next tick continues.
 * @returns rows deleted
 */
export async function purgeDeliveriesBefore(
  db: D1Database,
  cutoff: number,
  maxRows = 50_000,
): Promise<number> {
  const chunk = 5_000;
  let deleted = 0;
  while (deleted < maxRows) {
    const result = await db
      .prepare(
        "DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries WHERE received_at < ? LIMIT ?)",
      )
      .bind(cutoff, chunk)
      .run();
    deleted += result.meta.changes;
    if (result.meta.changes < chunk) break;
  }
  return deleted;
}
