import { database } from "../db/client";
import type { Env } from "../lib/env";
import { ApiError } from "../lib/errors";
import { MissBudgetExhausted, TwoTierCache } from "../lib/two-tier-cache";
import { type WriteKeyGrant, WriteKeyStore, writeKeyHash } from "../sources/write-keys";
import { SOURCE_CACHE_TTL } from "./source-cache";

/**
 * Worst-case delay, ms, before a revoked write key (or one of a deleted source) is refused at every
 * location: the same tiers and TTLs as sources (40 s); at the location of the admin change, at once.
 */
export const WRITE_KEY_PROPAGATION_BOUND_MS = SOURCE_CACHE_TTL.isolateMs + SOURCE_CACHE_TTL.sharedMs;

/** "Unknown key" D1 reads an isolate may make at once, and per second after that. */
export const WRITE_KEY_MISS_BUDGET = { capacity: 20, perSecond: 10 } as const;

/** Seconds a client is told to wait when the isolate's budget for unknown keys is spent. */
const MISS_RETRY_AFTER_SECONDS = 1;

// Keyed by the key's SHA-256 (what D1 stores), never the key. A grant holds no secret, so both tiers
// keep it as is. A key is random and unguessable, so "unknown" can be cached as firmly as a grant:
// no key can come to exist after it was first looked up, and a new key is therefore never refused
// for a stale "unknown". What needs a bound is revocation (and deletion of its source).
const cache = new TwoTierCache<WriteKeyGrant, WriteKeyGrant>({
  namespace: "write-keys/v1",
  isolateTtlMs: SOURCE_CACHE_TTL.isolateMs,
  sharedTtlMs: SOURCE_CACHE_TTL.sharedMs,
  maxEntries: 10_000,
  maxBytes: 4 * 1024 * 1024,
  missBudget: WRITE_KEY_MISS_BUDGET,
});

/**
 * What the presented write key grants, or null (unknown, revoked, or not an `app` source's key),
 * through the edge cache: no D1 read while the key is warm in this isolate or location. A flood of
 * made-up keys costs D1 at most {@link WRITE_KEY_MISS_BUDGET} reads per isolate; past it, keys no
 * tier knows are answered 429 with Retry-After, so a real key is retried rather than refused.
 * @throws ApiError `rate_limited` (429)
 */
export async function cachedWriteKeyGrant(
  env: Pick<Env, "DB">,
  presented: string,
  now: number,
): Promise<WriteKeyGrant | null> {
  const hash = await writeKeyHash(presented);
  if (hash === null) return null;
  try {
    const { value } = await cache.get(hash, now, {
      // The drizzle client is built only on a miss: it costs more than a cache hit.
      load: () => new WriteKeyStore(database(env.DB)).grantFor(hash),
      open: async (grant) => grant,
    });
    return value;
  } catch (error) {
    if (error instanceof MissBudgetExhausted)
      throw new ApiError("rate_limited", "Too many unknown write keys; retry shortly", {
        headers: { "retry-after": String(MISS_RETRY_AFTER_SECONDS) },
      });
    throw error;
  }
}

/** Forgets the key with SHA-256 `hash` in this isolate and location (after it was revoked). */
export function forgetWriteKey(hash: string): Promise<void> {
  return cache.forget(hash);
}
