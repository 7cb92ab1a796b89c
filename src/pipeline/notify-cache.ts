import { newId } from "../lib/ids";

/** How long a claim to fetch an object holds before another consumer may take over (crashed fetcher). */
export const CLAIM_LEASE_MS = 30_000;
/** Fetched objects are kept this long for coalescing, then removed by the cron. */
export const KEEP_FETCHES_MS = 60 * 60_000;

/** A claim to be the one fetcher of an object. */
export interface FetchClaim {
  claimId: string;
}

/**
 * Fetch-on-notify coalescing in D1 (table `notify_fetches`), so that notifications for the same object
 * close together cause one fetch across every consumer invocation. The rule that keeps it correct:
 * a notification may reuse a fetch only if that fetch happened after the notification was received
 * (then it reflects at least the state the notification announced). Fetching is claimed atomically;
 * a claim expires after {@link CLAIM_LEASE_MS} so a crashed fetcher does not block the object.
 */
export class NotifyFetchCache {
  constructor(private readonly db: D1Database) {}

  /** The stored body of `urlHash` if it was fetched at or after `receivedAt`; else null. */
  async reusable(sourceId: string, urlHash: string, receivedAt: number): Promise<string | null> {
    const row = await this.db
      .prepare("SELECT body, fetched_at FROM notify_fetches WHERE source_id = ? AND url_hash = ?")
      .bind(sourceId, urlHash)
      .first<{ body: string | null; fetched_at: number | null }>();
    return row?.body != null && row.fetched_at !== null && row.fetched_at >= receivedAt ? row.body : null;
  }

  /** Claims the fetch of `urlHash`; null when another consumer holds a live claim. */
  async claim(sourceId: string, urlHash: string, now: number): Promise<FetchClaim | null> {
    const claimId = newId("fch");
    const row = await this.db
      .prepare(
        `INSERT INTO notify_fetches (source_id, url_hash, claim_id, claimed_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (source_id, url_hash) DO UPDATE SET claim_id = ?3, claimed_at = ?4
         WHERE claimed_at < ?4 - ?5
         RETURNING claim_id`,
      )
      .bind(sourceId, urlHash, claimId, now, CLAIM_LEASE_MS)
      .first<{ claim_id: string }>();
    return row?.claim_id === claimId ? { claimId } : null;
  }

  /** Stores the fetched body under the claim and frees the object for the next claim. */
  async store(
    sourceId: string,
    urlHash: string,
    claim: FetchClaim,
    body: string,
    fetchedAt: number,
  ): Promise<void> {
    await this.db
      .prepare(
        `UPDATE notify_fetches SET body = ?4, fetched_at = ?5, claimed_at = 0, claim_id = NULL
         WHERE source_id = ?1 AND url_hash = ?2 AND claim_id = ?3`,
      )
      .bind(sourceId, urlHash, claim.claimId, body, fetchedAt)
      .run();
  }

  /** Gives a claim up after a failed fetch, so the retry (ours or another consumer's) can claim again. */
  async release(sourceId: string, urlHash: string, claim: FetchClaim): Promise<void> {
    await this.db
      .prepare(
        "UPDATE notify_fetches SET claimed_at = 0, claim_id = NULL WHERE source_id = ? AND url_hash = ? AND claim_id = ?",
      )
      .bind(sourceId, urlHash, claim.claimId)
      .run();
  }
}

/** Removes fetched objects older than {@link KEEP_FETCHES_MS} (they hold customer data). */
export async function forgetOldFetches(db: D1Database, now: number): Promise<void> {
  await db
    .prepare("DELETE FROM notify_fetches WHERE claimed_at < ?1 AND (fetched_at IS NULL OR fetched_at < ?1)")
    .bind(now - KEEP_FETCHES_MS)
    .run();
}

/**
 * Deletes up to `limit` cached fetches whose source no longer exists (a fetch already running when its
 * source was deleted stores its body after the deletion; it holds customer data). Returns rows deleted.
 */
export async function forgetOrphanedFetches(db: D1Database, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM notify_fetches WHERE rowid IN (SELECT n.rowid FROM notify_fetches n
         WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.id = n.source_id) LIMIT ?)`,
    )
    .bind(limit)
    .run();
  return result.meta.changes ?? 0;
}
