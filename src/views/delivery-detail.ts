import { workspaceDb } from "../db/workspace-db";
import { getDeadLetter } from "../deliveries/dead-letter-store";
import { cappedBody } from "../deliveries/delivery-log";
import { type DeliveryDetailRecord, getDelivery } from "../deliveries/delivery-log-reader";
import type { Env } from "../lib/env";

/** At most this many events are listed for one delivery (a batch message of the app API holds ≤ 100). */
const MAX_EVENTS = 100;

/** An event a delivery produced, with the profile it was stored on and the live profile that has it now. */
export interface ProducedEvent {
  id: string;
  type: string;
  eventKey: string;
  /** Epoch ms. */
  occurredAt: number;
  profileId: string;
  /** The profile the event belongs to now: `profileId`, or the survivor of a later merge. */
  liveProfileId: string;
}

/** A delivery with its content and what it produced. */
export interface DeliveryDetail extends DeliveryDetailRecord {
  workspace: string | null;
  /** Set when the delivery is (still) a dead letter: inspect or replay it under this id. */
  deadLetterId: string | null;
  events: ProducedEvent[];
}

/**
 * One delivery for the console's detail view: the log row with its kept headers and capped body, the
 * dead letter when it failed for good (whose original message supplies the content when the row has
 * none), and the events it produced (read from its workspace's database through `events_delivery_idx`)
 * with their profiles. Null when the log has no such row (unknown, or past retention).
 * @throws D1 errors
 */
export async function deliveryDetail(
  env: Pick<Env, "DB" | "WORKSPACE_DATABASES">,
  deliveryId: string,
): Promise<DeliveryDetail | null> {
  const delivery = await getDelivery(env.DB, deliveryId);
  if (!delivery) return null;
  const [source, deadLetterRow] = await env.DB.batch([
    env.DB.prepare("SELECT workspace FROM sources WHERE id = ?").bind(delivery.sourceId),
    env.DB.prepare("SELECT id FROM dead_letters WHERE delivery_id = ?").bind(deliveryId),
  ]);
  const deadLetterId = (deadLetterRow!.results[0] as { id: string } | undefined)?.id ?? null;
  let { headers, body, bodyBytes } = delivery;
  let workspace = (source!.results[0] as { workspace: string } | undefined)?.workspace ?? null;
  if (deadLetterId !== null && body === null) {
    const message = (await getDeadLetter(env.DB, deadLetterId))?.message as
      | { headers?: Record<string, string>; body?: unknown; workspace?: unknown }
      | undefined;
    headers ??= message?.headers ?? null;
    if (typeof message?.body === "string") ({ text: body, bytes: bodyBytes } = cappedBody(message.body));
    if (workspace === null && typeof message?.workspace === "string") workspace = message.workspace;
  }
  const events = workspace === null ? [] : await producedEvents(workspaceDb(env, workspace), deliveryId);
  return { ...delivery, headers, body, bodyBytes, workspace, deadLetterId, events };
}

async function producedEvents(db: D1Database, deliveryId: string): Promise<ProducedEvent[]> {
  // A merge re-points every redirect to the survivor, so one step of merged_into reaches the live profile.
  const { results } = await db
    .prepare(
      `SELECT e.id, e.type, e.event_key, e.occurred_at, e.profile_id, coalesce(p.merged_into, e.profile_id) AS live
       FROM events e LEFT JOIN profiles p ON p.id = e.profile_id
       WHERE e.delivery_id = ? ORDER BY e.occurred_at, e.id LIMIT ?`,
    )
    .bind(deliveryId, MAX_EVENTS)
    .all<{
      id: string;
      type: string;
      event_key: string;
      occurred_at: number;
      profile_id: string;
      live: string;
    }>();
  return results.map((r) => ({
    id: r.id,
    type: r.type,
    eventKey: r.event_key,
    occurredAt: r.occurred_at,
    profileId: r.profile_id,
    liveProfileId: r.live,
  }));
}
