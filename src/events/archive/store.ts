import type { Env } from "../../lib/env";
import { groupBy } from "../../lib/group-by";
import { type ArchivedEvent, decodeObject, encodeObject, hourOf, latestById, objectKeyFor } from "./format";

/** The archive bucket: `ARCHIVE`, or `PAYLOADS` when a deployment has not bound one (keys never collide). */
export function archiveBucket(env: Pick<Env, "ARCHIVE" | "PAYLOADS">): R2Bucket {
  return env.ARCHIVE ?? env.PAYLOADS;
}

/** What {@link writeToArchive} wrote. */
export interface ArchiveWrite {
  objects: string[];
  events: number;
  bytes: number;
  /** Events left out because their profile was erased while they were being archived. */
  erased: number;
}

/** Objects read at once: bounds memory and concurrent R2 requests of one invocation. */
const READ_CONCURRENCY = 8;

/**
 * Appends events of one workspace to the archive: one object per hour of `received_at` (never one per
 * event), then marks the events archived in D1 (`events.archived_at`). Per object:
 * 1. its rows in `archive_objects` and `archive_profiles` (so an object can never exist that erasure
 *    does not know about);
 * 2. the object itself (deterministic key: writing the same batch again replaces it, no duplicate);
 * 3. `archived_at` on the events still unmarked, and a check against `erased_events`: an erasure that
 *    ran between the events being stored and this write gets its events taken out again.
 * Until step 3 commits, the event's D1 row is its outbox: the cron archives unmarked rows
 * ({@link archivePending} in src/cron/event-retention.ts) and retention never empties one.
 * @throws R2 or D1 errors; what committed before stays consistent and a retry repeats nothing
 */
export async function writeToArchive(
  bucket: R2Bucket,
  db: D1Database,
  workspace: string,
  events: readonly ArchivedEvent[],
  now = Date.now(),
): Promise<ArchiveWrite> {
  if (events.some((e) => e.workspace !== workspace)) throw new Error("archive batch mixes workspaces");
  const byHour = groupBy(events, (e) => hourOf(e.receivedAt));
  const written: ArchiveWrite = { objects: [], events: 0, bytes: 0, erased: 0 };
  for (const [hour, group] of byHour) {
    const key = await objectKeyFor(workspace, hour, group);
    const body = await encodeObject(group);
    const profileIds = JSON.stringify([...new Set(group.map((e) => e.profileId))]);
    await db.batch([
      db
        .prepare(
          `INSERT INTO archive_objects (key, workspace, hour, events, bytes, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
           ON CONFLICT (key) DO UPDATE SET events = excluded.events, bytes = excluded.bytes, updated_at = excluded.updated_at`,
        )
        .bind(key, workspace, hour, group.length, body.byteLength, now),
      db
        .prepare(
          `INSERT INTO archive_profiles (workspace, profile_id, object_key)
           SELECT ?1, value, ?2 FROM json_each(?3) WHERE true ON CONFLICT DO NOTHING`,
        )
        .bind(workspace, key, profileIds),
    ]);
    await bucket.put(key, body, {
      httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    });
    const refs = JSON.stringify(group.map((e) => [e.id, e.sourceId, e.eventKey, e.archivedAt]));
    const [, erased] = await db.batch<{ id: string }>([
      db
        .prepare(
          `UPDATE events SET archived_at = ?2 WHERE archived_at IS NULL
           AND id IN (SELECT json_extract(value, '$[0]') FROM json_each(?1))`,
        )
        .bind(refs, now),
      db
        .prepare(
          // EXISTS, not a join: joined, SQLite reads every erased key of the workspace per event.
          `SELECT json_extract(j.value, '$[0]') AS id FROM json_each(?2) j
           WHERE EXISTS (SELECT 1 FROM erased_events x WHERE x.workspace = ?1
             AND x.source_id = json_extract(j.value, '$[1]') AND x.event_key = json_extract(j.value, '$[2]'))`,
        )
        .bind(workspace, refs),
    ]);
    const erasedIds = new Set(erased!.results.map((r) => r.id));
    if (erasedIds.size > 0) {
      const gone = group.filter((e) => erasedIds.has(e.id));
      await rewriteObject(bucket, db, key, (e) => !erasedIds.has(e.id), [
        ...new Set(gone.map((e) => e.profileId)),
      ]);
      written.erased += erasedIds.size;
    }
    written.objects.push(key);
    written.events += group.length - erasedIds.size;
    written.bytes += body.byteLength;
  }
  return written;
}

/**
 * Rewrites one archive object keeping only the lines `keep` accepts; deletes it (and its rows) when
 * none is left, and forgets `forgetProfiles` in its profile index. A missing object counts as empty.
 * @returns lines removed
 */
export async function rewriteObject(
  bucket: R2Bucket,
  db: D1Database,
  key: string,
  keep: (event: ArchivedEvent) => boolean,
  forgetProfiles: readonly string[],
  now = Date.now(),
): Promise<number> {
  const object = await bucket.get(key);
  const lines = object ? await decodeObject(object.body) : [];
  const kept = lines.filter(keep);
  const forget = db
    .prepare(
      "DELETE FROM archive_profiles WHERE object_key = ?1 AND profile_id IN (SELECT value FROM json_each(?2))",
    )
    .bind(key, JSON.stringify(forgetProfiles));
  if (kept.length === 0) {
    await bucket.delete(key);
    await db.batch([
      db.prepare("DELETE FROM archive_profiles WHERE object_key = ?").bind(key),
      db.prepare("DELETE FROM archive_objects WHERE key = ?").bind(key),
    ]);
    return lines.length;
  }
  if (kept.length < lines.length) {
    const body = await encodeObject(kept);
    await bucket.put(key, body, {
      httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    });
    await db.batch([
      db
        .prepare("UPDATE archive_objects SET events = ?, bytes = ?, updated_at = ? WHERE key = ?")
        .bind(kept.length, body.byteLength, now, key),
      forget,
    ]);
    return lines.length - kept.length;
  }
  await forget.run();
  return 0;
}

/**
 * The archived copies of events in `keys` (latest copy per event id). Missing objects are skipped.
 * @throws on R2 errors or a corrupt object
 */
export async function readArchive(
  bucket: R2Bucket,
  keys: readonly string[],
): Promise<Map<string, ArchivedEvent>> {
  const all: ArchivedEvent[] = [];
  for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
    const parts = await Promise.all(
      keys.slice(i, i + READ_CONCURRENCY).map(async (key) => {
        const object = await bucket.get(key);
        return object ? decodeObject(object.body) : [];
      }),
    );
    for (const part of parts) all.push(...part);
  }
  return latestById(all);
}

/** Archive objects holding events stored on any of `profileIds` (a live profile and those merged into it). */
export async function objectsOfProfiles(
  db: D1Database,
  workspace: string,
  profileIds: readonly string[],
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT object_key FROM archive_profiles
       WHERE workspace = ?1 AND profile_id IN (SELECT value FROM json_each(?2)) ORDER BY object_key`,
    )
    .bind(workspace, JSON.stringify(profileIds))
    .all<{ object_key: string }>();
  return results.map((r) => r.object_key);
}
