import { workspaceDb } from "../db/workspace-db";
import type { ArchivedEvent } from "../events/archive/format";
import { archiveBucket, writeToArchive } from "../events/archive/store";
import { type ApplyResult, eventRowIdFor } from "../identity/graph";
import type { Env } from "../lib/env";
import { describeError } from "../lib/failure";
import { log } from "../lib/log";
import type { PreparedMessage } from "./prepare";

/**
 * The pipeline's archive step, after the resolver reports which events it stored: the events stored
 * by this batch go to the archive, one object per (workspace, hour), workspaces in parallel. Only
 * `stored` results count, so a redelivery (all `duplicate`) writes nothing again.
 *
 * Never throws and never holds a message back: an event stored in D1 and not yet archived keeps
 * `archived_at` null, which is its place in the outbox the cron drains (src/cron/event-retention.ts),
 * and retention never empties a row that is not archived. So an R2 failure loses nothing and costs no
 * redelivery.
 * @returns events archived now
 */
export async function archiveStoredEvents(
  env: Env,
  applied: readonly { item: PreparedMessage; results: readonly ApplyResult[] }[],
  now = Date.now(),
): Promise<number> {
  const byWorkspace = new Map<string, ArchivedEvent[]>();
  for (const { item, results } of applied) {
    for (const [i, event] of item.events.entries()) {
      const result = results[i];
      if (result?.status !== "stored") continue;
      const line: ArchivedEvent = {
        id: await eventRowIdFor(event),
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
      };
      byWorkspace.set(event.workspace, [...(byWorkspace.get(event.workspace) ?? []), line]);
    }
  }
  const counts = await Promise.all(
    [...byWorkspace].map(async ([workspace, events]) => {
      try {
        return (await writeToArchive(archiveBucket(env), workspaceDb(env, workspace), workspace, events, now))
          .events;
      } catch (error) {
        log.warn("archive_write_deferred", { workspace, events: events.length, error: describeError(error) });
        return 0;
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
