import { workspaceDb } from "../db/workspace-db";
import type { ArchivedEvent } from "../events/archive/format";
import { archiveBucket, writeToArchive } from "../events/archive/store";
import { type ApplyResult, eventRowIdFor } from "../identity/graph";
import type { Env } from "../lib/env";
import { describeError } from "../lib/failure";
import { groupBy } from "../lib/group-by";
import { log } from "../lib/log";
import type { PreparedMessage } from "./prepare";

/**
 * The pipeline's archive step, after the resolver reports which events it stored: the events stored
 * by this batch go to the archive, one object per (workspace, hour), workspaces in parallel. Only
 * `stored` results count, so a redelivery (all `duplicate`) writes nothing again.
 *
 * Each event is archived exactly once. Only events whose D1 row exists and is not yet marked
 * archived are written; a workspace in `projectionBehind` (its projection to D1 failed in this
 * batch) is skipped whole. Those events keep `archived_at` null once the projection lands, which is
 * their place in the outbox the cron drains (src/cron/event-retention.ts): the cron archives them
 * then, once. Writing them here too would put a second copy in R2 under another key, since nothing
 * in D1 could be marked.
 *
 * Never throws and never holds a message back: an event stored in D1 and not yet archived keeps
 * `archived_at` null, and retention never empties a row that is not archived. So an R2 failure loses
 * nothing and costs no redelivery.
 * @returns events archived now
 */
export async function archiveStoredEvents(
  env: Env,
  applied: readonly { item: PreparedMessage; results: readonly ApplyResult[] }[],
  now = Date.now(),
  projectionBehind: ReadonlySet<string> = new Set(),
): Promise<number> {
  const lines: ArchivedEvent[] = [];
  for (const { item, results } of applied) {
    if (projectionBehind.has(item.envelope.workspace)) continue;
    for (const [i, event] of item.events.entries()) {
      const result = results[i];
      if (result?.status !== "stored") continue;
      lines.push({
        // The resolver reports the id it stored the row under; derived again only from an older answer.
        id: result.eventRowId ?? (await eventRowIdFor(event)),
        workspace: event.workspace,
        sourceId: event.sourceId,
        eventKey: event.eventKey,
        deliveryId: event.deliveryId,
        profileId: result.profileId,
        type: event.type,
        occurredAt: event.occurredAt,
        receivedAt: event.receivedAt,
        identifiers: event.identifiers,
        traits: event.traits,
        properties: event.properties,
        warnings: event.warnings,
        archivedAt: now,
      });
    }
  }
  const counts = await Promise.all(
    [...groupBy(lines, (line) => line.workspace)].map(async ([workspace, events]) => {
      try {
        const db = workspaceDb(env, workspace);
        const pending = await unarchivedRows(
          db,
          events.map((e) => e.id),
        );
        const todo = events.filter((e) => pending.has(e.id));
        if (todo.length === 0) return 0;
        return (await writeToArchive(archiveBucket(env), db, workspace, todo, now)).events;
      } catch (error) {
        log.warn("archive_write_deferred", { workspace, events: events.length, error: describeError(error) });
        return 0;
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Of event row ids `ids`, those D1 holds and has not marked archived: an id missing here is either
 * not projected yet or archived already, and in both cases the cron (or nobody) archives it.
 */
async function unarchivedRows(db: D1Database, ids: readonly string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare("SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?)) AND archived_at IS NULL")
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
