import { isoTime } from "../lib/stored";
/** A quarantined identifier value as operators see it. Times are ISO-8601. */
export interface QuarantineEntry {
  type: string;
  value: string;
  /** Profiles the value would have linked when it was quarantined. */
  linkedProfiles: number;
  /** Stored event that pushed it over the threshold. */
  eventId: string;
  createdAt: string;
}

/** The workspace's quarantined values, newest first (`limit` ≤ 500). */
export async function listQuarantine(
  db: D1Database,
  workspace: string,
  limit = 100,
): Promise<QuarantineEntry[]> {
  const { results } = await db
    .prepare(
      `SELECT type, value, linked_profiles, event_id, created_at FROM identifier_quarantine
       WHERE workspace = ? ORDER BY created_at DESC, type, value LIMIT ?`,
    )
    .bind(workspace, Math.min(limit, 500))
    .all<{ type: string; value: string; linked_profiles: number; event_id: string; created_at: number }>();
  return results.map((r) => ({
    type: r.type,
    value: r.value,
    linkedProfiles: r.linked_profiles,
    eventId: r.event_id,
    createdAt: isoTime(r.created_at),
  }));
}
