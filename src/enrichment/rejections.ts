import type { CanonicalEvent } from "../events/event";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { Extension } from "./config";

/** D1's bound-parameter limit per statement, less the workspace and source parameters. */
const KEYS_PER_STATEMENT = 98;

/**
 * Which of `events` (all of one workspace and source, as one message carries) are already stored or
 * already rejected, by event key: a redelivery of those needs no extension call.
 */
export async function knownEvents(
  db: D1Database,
  events: readonly CanonicalEvent[],
): Promise<{ stored: Set<string>; rejected: Set<string> }> {
  const { workspace, sourceId } = events[0]!;
  const keys = [...new Set(events.map((e) => e.eventKey))];
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
    const chunk = keys.slice(i, i + KEYS_PER_STATEMENT);
    const marks = chunk.map((_, j) => `?${j + 3}`).join(",");
    statements.push(
      db
        .prepare(
          `SELECT 'stored' AS kind, event_key FROM events WHERE workspace = ?1 AND source_id = ?2 AND event_key IN (${marks})
           UNION ALL SELECT 'rejected', event_key FROM extension_rejections WHERE workspace = ?1 AND source_id = ?2 AND event_key IN (${marks})`,
        )
        .bind(workspace, sourceId, ...chunk),
    );
  }
  const stored = new Set<string>();
  const rejected = new Set<string>();
  for (const answer of await db.batch<{ kind: string; event_key: string }>(statements))
    for (const row of answer.results) (row.kind === "stored" ? stored : rejected).add(row.event_key);
  return { stored, rejected };
}

/** Records that `extension` rejected `event` (never stored as an event); a second record of it is a no-op. */
export async function recordRejection(
  db: D1Database,
  extension: Pick<Extension, "id" | "name">,
  event: CanonicalEvent,
  reason: string,
  now = Date.now(),
): Promise<void> {
  await db
    .prepare(
      `INSERT OR IGNORE INTO extension_rejections (id, workspace, extension_id, source_id, event_key, delivery_id, event_type,
         reason, event, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
    )
    .bind(
      newId("rej"),
      event.workspace,
      extension.id,
      event.sourceId,
      event.eventKey,
      event.deliveryId,
      event.type,
      reason.slice(0, 500),
      JSON.stringify(event),
      now,
    )
    .run();
  log.info("event_rejected_by_extension", {
    extensionId: extension.id,
    sourceId: event.sourceId,
    type: event.type,
  });
}

/** A rejected event as operators see it. Times are epoch ms. */
export interface Rejection {
  id: string;
  extensionId: string;
  sourceId: string;
  eventKey: string;
  deliveryId: string;
  eventType: string;
  reason: string;
  event: unknown;
  createdAt: number;
}

/**
 * The newest rejections by `extensionId` (at most `limit`, ≤ 500), those older than `before` (the
 * previous page's last) when given; `next` is set when more follow. Index
 * `extension_rejections_extension_idx`.
 */
export async function listRejections(
  db: D1Database,
  extensionId: string,
  limit = 100,
  before?: { createdAt: number; id: string },
): Promise<{ data: Rejection[]; next: { createdAt: number; id: string } | null }> {
  const size = Math.min(limit, 500);
  const { results } = await db
    .prepare(
      `SELECT id, extension_id, source_id, event_key, delivery_id, event_type, reason, event, created_at
       FROM extension_rejections WHERE extension_id = ? ${before ? "AND (created_at, id) < (?, ?)" : ""}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    )
    .bind(extensionId, ...(before ? [before.createdAt, before.id] : []), size + 1)
    .all<Record<string, string | number>>();
  const data = results.slice(0, size).map((r) => ({
    id: String(r.id),
    extensionId: String(r.extension_id),
    sourceId: String(r.source_id),
    eventKey: String(r.event_key),
    deliveryId: String(r.delivery_id),
    eventType: String(r.event_type),
    reason: String(r.reason),
    event: JSON.parse(String(r.event)),
    createdAt: Number(r.created_at),
  }));
  const last = data.at(-1);
  return { data, next: results.length > size && last ? { createdAt: last.createdAt, id: last.id } : null };
}
