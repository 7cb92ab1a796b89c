import type { DeliveryEnvelope } from "../deliveries/envelope";
import type { ApplyResult } from "../identity/graph";

/** D1's bound-parameter limit per statement, less the workspace and source parameters. */
const KEYS_PER_STATEMENT = 98;

/** How the pipeline settles an applied delivery (see src/observability/dispositions.ts). */
export type SettledStatus = "stored" | "merged" | "duplicate" | "ignored";

/**
 * Settles each applied delivery: `ignored` when it carried no event, `merged` when one of its events
 * merged profiles, `duplicate` when every event it carries was already stored by another delivery,
 * else `stored`. When the stored copy carries this delivery's own id, this is the queue redelivering
 * a message whose effects were committed before (an ack lost, a crash after the write), and the
 * delivery stays `stored`. Which delivery stored an event comes from the resolver's result
 * (`storedBy`); only for claims older than that record is D1's events row read.
 * `dbFor` gives the database of a workspace's events (src/db/workspace-db.ts).
 * @returns delivery id → status, for every item
 * @throws D1 errors
 */
export async function deliveryStatuses(
  dbFor: (workspace: string) => D1Database,
  items: readonly { envelope: DeliveryEnvelope; results: readonly ApplyResult[] }[],
): Promise<Map<string, SettledStatus>> {
  const statuses = new Map<string, SettledStatus>();
  for (const { envelope, results } of items)
    statuses.set(
      envelope.deliveryId,
      results.length === 0 ? "ignored" : results.some((r) => r.merged.length > 0) ? "merged" : "stored",
    );
  const allDuplicates = items.filter(
    (i) => i.results.length > 0 && i.results.every((r) => r.status === "duplicate"),
  );
  // The graph's claim names the delivery that stored each event: no D1 read, and right even while
  // the projection is behind (D1 not having the event yet must not turn a redelivery into a duplicate).
  const suspects: typeof allDuplicates = [];
  for (const item of allDuplicates) {
    if (item.results.some((r) => r.storedBy === item.envelope.deliveryId)) continue;
    if (item.results.every((r) => r.storedBy !== undefined))
      statuses.set(item.envelope.deliveryId, "duplicate");
    else suspects.push(item);
  }
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
  // One lookup per statement; each runs on its workspace's database (usually all the same one).
  const answers = await Promise.all(
    lookups.map(({ scope, keys }) => {
      const [workspace, sourceId] = JSON.parse(scope) as [string, string];
      return dbFor(workspace)
        .prepare(
          `SELECT event_key, delivery_id FROM events WHERE workspace = ? AND source_id = ? AND event_key IN (${keys
            .map(() => "?")
            .join(",")})`,
        )
        .bind(workspace, sourceId, ...keys)
        .all<{ event_key: string; delivery_id: string }>();
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
