/** Follows at most this many merge redirects (chains are flattened on merge, so one is the norm). */
const MAX_REDIRECTS = 8;

/** A live (not merged) profile's key facts. Times are epoch milliseconds. */
export interface LiveProfile {
  id: string;
  workspace: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * The live profile `id` redirects to (itself when live), following `merged_into` in D1; null when the
 * id is unknown or the chain is longer than a flattened merge can leave.
 */
export async function findLiveProfile(db: D1Database, id: string): Promise<LiveProfile | null> {
  let current = id;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const row = await db
      .prepare("SELECT id, workspace, merged_into, created_at, updated_at FROM profiles WHERE id = ?")
      .bind(current)
      .first<{
        id: string;
        workspace: string;
        merged_into: string | null;
        created_at: number;
        updated_at: number;
      }>();
    if (!row) return null;
    if (!row.merged_into)
      return { id: row.id, workspace: row.workspace, createdAt: row.created_at, updatedAt: row.updated_at };
    current = row.merged_into;
  }
  return null;
}
