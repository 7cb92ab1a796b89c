import { type IdentityFlag, listFlagsOfProfiles } from "../identity/flags";
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
  merges: MergeView[];
  flags: IdentityFlag[];
}

/**
 * Builds the export of the live profile `id` redirects to; null when unknown. Reads D1 directly:
 * the export is a consistent-enough snapshot for a person's copy of their data, not a graph write.
 */
export async function exportProfile(
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
  return {
    exportedAt: new Date(now).toISOString(),
    profile: rest,
    events: events.slice(0, MAX_EXPORT_EVENTS),
    eventsTruncated: events.length > MAX_EXPORT_EVENTS,
    merges,
    flags,
  };
}
