import type { ArchivedEvent } from "../events/archive/format";
import { archiveBucket, objectsOfProfiles, readArchive } from "../events/archive/store";
import { type IdentityFlag, listFlagsOfProfiles } from "../identity/flags";
import type { Env } from "../lib/env";
import { type EventView, type MergeView, ProfileReader, type ProfileView } from "./profiles";

/** Most events one export carries; `eventsTruncated` says when a profile has more. */
export const MAX_EXPORT_EVENTS = 10_000;

/**
 * Everything stored about one person (right of access / portability): the profile with identifiers
 * (match keys and original spellings) and traits with their origins, every event (oldest first), the
 * merges that formed the profile and the review flags that name it. Times are ISO-8601.
 */
export interface ProfileExport {
  exportedAt: string;
  profile: Omit<ProfileView, "recentEvents">;
  events: EventView[];
  eventsTruncated: boolean;
  /** Events past D1's retention window, read back from the archive (R2). */
  eventsFromArchive: number;
  merges: MergeView[];
  flags: IdentityFlag[];
}

/**
 * Builds the export of the live profile `id` redirects to; null when unknown. Reads D1 (`db`, the
 * workspace's database) directly: the export is a consistent-enough snapshot for a person's copy of
 * their data, not a graph write. Events aged out of D1 keep only their row there; their bodies are
 * read from the archive objects indexed for the profile and the profiles merged into it.
 * @throws on D1 or R2 errors (an export never silently leaves out archived events)
 */
export async function exportProfile(
  env: Pick<Env, "ARCHIVE" | "PAYLOADS">,
  db: D1Database,
  id: string,
  now = Date.now(),
): Promise<ProfileExport | null> {
  const reader = new ProfileReader(db);
  const profile = await reader.byId(id);
  if (!profile) return null;
  const [events, merges, flags] = await Promise.all([
    reader.allEvents(profile.id, MAX_EXPORT_EVENTS + 1),
    reader.merges(profile.id),
    listFlagsOfProfiles(db, profile.workspace, [profile.id, ...profile.mergedProfileIds]),
  ]);
  const { recentEvents: _recent, ...rest } = profile;
  const kept = events.slice(0, MAX_EXPORT_EVENTS);
  const agedOut = await agedOutIds(db, profile.id);
  let fromArchive = 0;
  if (agedOut.size > 0) {
    const family = [profile.id, ...profile.mergedProfileIds];
    const archived = await readArchive(
      archiveBucket(env),
      await objectsOfProfiles(db, profile.workspace, family),
    );
    for (const [i, event] of kept.entries()) {
      const line = agedOut.has(event.id) ? archived.get(event.id) : undefined;
      if (!line) continue;
      kept[i] = { ...event, ...bodyOf(line) };
      fromArchive++;
    }
  }
  return {
    exportedAt: new Date(now).toISOString(),
    profile: rest,
    events: kept,
    eventsTruncated: events.length > MAX_EXPORT_EVENTS,
    eventsFromArchive: fromArchive,
    merges,
    flags,
  };
}

async function agedOutIds(db: D1Database, profileId: string): Promise<Set<string>> {
  const { results } = await db
    .prepare("SELECT id FROM events WHERE profile_id = ? AND aged_out_at IS NOT NULL")
    .bind(profileId)
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

function bodyOf(line: ArchivedEvent): Pick<EventView, "identifiers" | "traits" | "properties" | "warnings"> {
  return {
    identifiers: line.identifiers,
    traits: line.traits,
    properties: line.properties,
    warnings: line.warnings,
  };
}
