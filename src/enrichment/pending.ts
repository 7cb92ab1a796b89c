/** An async enrichment of one of the profile's events that has not been applied yet. */
export interface PendingEnrichment {
  extensionId: string;
  extension: string;
  eventId: string;
  /** Trait and property names the extension fills (its `provides`), pending until it answers. */
  provides: string[];
  /** ISO-8601 time the enrichment was planned. */
  since: string;
  attempts: number;
  /** Why the last attempt did not apply (log-safe, never the answer body). */
  lastError?: string;
}

/** The pending async enrichments of the profile's events, oldest first (at most 100). */
export async function pendingEnrichments(db: D1Database, profileId: string): Promise<PendingEnrichment[]> {
  const { results } = await db
    .prepare(
      `SELECT j.extension_id, x.name, x.config, e.id AS event_id, j.created_at, j.attempts, j.last_error
       FROM events e
       JOIN extension_jobs j ON j.workspace = e.workspace AND j.source_id = e.source_id AND j.event_key = e.event_key
       JOIN extensions x ON x.id = j.extension_id
       WHERE e.profile_id = ? AND j.status = 'pending'
       ORDER BY j.created_at LIMIT 100`,
    )
    .bind(profileId)
    .all<{
      extension_id: string;
      name: string;
      config: string;
      event_id: string;
      created_at: number;
      attempts: number;
      last_error: string | null;
    }>();
  return results.map((r) => ({
    extensionId: r.extension_id,
    extension: r.name,
    eventId: r.event_id,
    provides: ((JSON.parse(r.config) as { provides?: string[] }).provides ?? []).slice(0, 50),
    since: new Date(r.created_at).toISOString(),
    attempts: r.attempts,
    ...(r.last_error ? { lastError: r.last_error } : {}),
  }));
}
