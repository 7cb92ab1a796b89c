import type { DeliveryEnvelope } from "../deliveries/envelope";
import type { ApplyResult } from "../identity/graph";

/** D1's bound-parameter limit per statement, less the workspace and source parameters. */
const KEYS_PER_STATEMENT = 98;

/**
 * Tells a sender's duplicate from a queue redelivery. A delivery is `duplicate` when every event it
 * carries was already stored by another delivery; when the stored copy carries this delivery's own id,
 * this is the queue redelivering a message whose effects were committed before (an ack lost, a crash
 * after the write), and the delivery stays `accepted`.
 * @returns delivery id → status, for every item
 * @throws D1 errors
 */
export async function deliveryStatuses(
  db: D1Database,
  items: readonly { envelope: DeliveryEnvelope; results: readonly ApplyResult[] }[],
): Promise<Map<string, "accepted" | "duplicate">> {
  const statuses = new Map<string, "accepted" | "duplicate">();
  const suspects = items.filter(
    (i) => i.results.length > 0 && i.results.every((r) => r.status === "duplicate"),
  );
  for (const item of items) statuses.set(item.envelope.deliveryId, "accepted");
  if (suspects.length === 0) return statuses;

  const lookups: { scope: string; keys: string[] }[] = [];
  const byScope = new Map<string, Set<string>>();
  for (const { envelope, results } of suspects) {
    const scope = JSON.stringify([envelope.workspace, envelope.sourceId]);
    const keys = byScope.get(scope) ?? new Set<string>();
    for (const r of results) keys.add(r.eventKey);
    byScope.set(scope, keys);
  }
  for (const [scope, keys] of byScope) {
    const all = [...keys];
    for (let i = 0; i < all.length; i += KEYS_PER_STATEMENT)
      lookups.push({ scope, keys: all.slice(i, i + KEYS_PER_STATEMENT) });
  }
  const answers = await db.batch<{ event_key: string; delivery_id: string }>(
    lookups.map(({ scope, keys }) => {
      const [workspace, sourceId] = JSON.parse(scope) as [string, string];
      return db
        .prepare(
          `SELECT event_key, delivery_id FROM events WHERE workspace = ? AND source_id = ? AND event_key IN (${keys
            .map(() => "?")
            .join(",")})`,
        )
        .bind(workspace, sourceId, ...keys);
    }),
  );
  const storedBy = new Map<string, string>();
  answers.forEach((answer, i) => {
    for (const row of answer.results)
      storedBy.set(`${lookups[i]!.scope}\u0000${row.event_key}`, row.delivery_id);
  });
  for (const { envelope, results } of suspects) {
    const scope = JSON.stringify([envelope.workspace, envelope.sourceId]);
    const ownCopy = results.some((r) => storedBy.get(`${scope}\u0000${r.eventKey}`) === envelope.deliveryId);
    if (!ownCopy) statuses.set(envelope.deliveryId, "duplicate");
  }
  return statuses;
}
