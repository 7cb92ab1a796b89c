import { database } from "../db/client";
import type { Env } from "../lib/env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { BoundedLru } from "../lib/lru";
import { MissBudgetExhausted, type Origin, TwoTierCache } from "../lib/two-tier-cache";
import {
  activeSecrets,
  type OpenedSource,
  type SealedSource,
  type Source,
  SourceStore,
} from "../sources/store";

/**
 * How long each tier trusts what it holds, ms. A source deleted, or changed, anywhere is refused (or
 * applied) everywhere within {@link SOURCE_PROPAGATION_BOUND_MS}; at the location where the admin
 * change is made, at once (its entries are purged).
 */
export const SOURCE_CACHE_TTL = { isolateMs: 10_000, sharedMs: 30_000 } as const;

/** Worst-case delay, ms, before every location sees a source's change: isolate + shared TTL (40 s). */
export const SOURCE_PROPAGATION_BOUND_MS = SOURCE_CACHE_TTL.isolateMs + SOURCE_CACHE_TTL.sharedMs;

/**
 * Shortest time, ms, between two re-reads of one source by one isolate after a delivery failed
 * verification against the cached secrets: a flood of forgeries costs at most one D1 read per source
 * per isolate per this interval (and fewer, since a re-read done by another isolate of the location
 * is picked up from the location's cache).
 */
export const SOURCE_REREAD_INTERVAL_MS = 5_000;

/** Seconds a client is told to wait when the isolate's budget for unknown source ids is spent. */
const MISS_RETRY_AFTER_SECONDS = 1;

// One per isolate. Sources are small (settings and one or two secrets, ~1-4 KB); 1,000 of them in
// 8 MB leaves the isolate's 128 MB to the requests.
const cache = new TwoTierCache<SealedSource, OpenedSource>({
  namespace: "sources/v1",
  isolateTtlMs: SOURCE_CACHE_TTL.isolateMs,
  sharedTtlMs: SOURCE_CACHE_TTL.sharedMs,
  maxEntries: 1_000,
  maxBytes: 8 * 1024 * 1024,
  // Ids no tier knows cost a D1 read each; made-up ids may cost at most this many per isolate.
  missBudget: { capacity: 100, perSecond: 20 },
});

/** When each source was last re-read after a failed verification, per isolate (epoch ms). */
const lastReread = new BoundedLru<string, number>(10_000, 1024 * 1024);

/** The D1 read behind a source, and where its sources came from (for the re-read after a mismatch). */
interface Loader {
  env: Pick<Env, "DB" | "SECRETS_KEY">;
  fetchedAt: number;
}

// Every Source handed out remembers its env and age, so the verifier can ask for a fresher copy
// without the routes passing the environment through.
const issued = new WeakMap<Source, Loader>();

// Built only on a miss: a drizzle client (schema and relations set up) costs more than a cache hit.
function origin(env: Pick<Env, "DB" | "SECRETS_KEY">, id: string): Origin<SealedSource, OpenedSource> {
  const store = () => new SourceStore(database(env.DB), env.SECRETS_KEY);
  return { load: () => store().getSealed(id), open: (row) => store().open(row) };
}

// The Source handed out for an opened entry, reused until one of its secrets expires: a warm
// request then allocates nothing here. Sources are read-only to their users.
const issuedFor = new WeakMap<OpenedSource, { source: Source; until: number }>();

function issue(
  env: Pick<Env, "DB" | "SECRETS_KEY">,
  opened: OpenedSource,
  fetchedAt: number,
  now: number,
): Source {
  const memo = issuedFor.get(opened);
  if (memo && now < memo.until && issued.get(memo.source)?.env === env) return memo.source;
  const secrets = activeSecrets(opened.secrets, now);
  const source: Source = { ...opened.source, secrets };
  issued.set(source, { env, fetchedAt });
  issuedFor.set(opened, { source, until: Math.min(...secrets.map((s) => s.expiresAt ?? Infinity)) });
  return source;
}

/**
 * The source `id` with its secrets active at `now` (epoch ms), or null when it does not exist, as
 * seen through the cache: no D1 read while the isolate or the location holds a fresh copy. Secrets
 * are sealed in the location's cache (as in D1) and decrypted only into isolate memory.
 * @throws ApiError `rate_limited` (429, Retry-After) when this isolate has recently been asked about
 *   too many ids that do not exist and no tier knows this one
 */
export async function cachedSource(
  env: Pick<Env, "DB" | "SECRETS_KEY">,
  id: string,
  now: number,
): Promise<Source | null> {
  try {
    // A warm source costs no promise and no loader: the route awaits one thing less.
    const { value, fetchedAt } = cache.peek(id, now) ?? (await cache.get(id, now, origin(env, id)));
    return value ? issue(env, value, fetchedAt, now) : null;
  } catch (error) {
    if (error instanceof MissBudgetExhausted)
      throw new ApiError("rate_limited", "Too many deliveries to unknown sources; retry shortly", {
        headers: { "retry-after": String(MISS_RETRY_AFTER_SECONDS) },
      });
    throw error;
  }
}

/**
 * After a delivery failed verification against `source`'s cached secrets: re-reads the source (from
 * the location's cache when another isolate already refreshed it, else from D1), at most once per
 * source per isolate per {@link SOURCE_REREAD_INTERVAL_MS}, so a freshly rotated secret works at once.
 * Returns the fresh source when its secrets differ from `source`'s (verify again with it), else null
 * (unchanged, deleted, re-read too recently, or `source` did not come from this cache).
 */
export async function sourceAfterMismatch(source: Source, now: number): Promise<Source | null> {
  const loader = issued.get(source);
  if (!loader) return null;
  const last = lastReread.get(source.id);
  if (last !== undefined && now - last < SOURCE_REREAD_INTERVAL_MS) return null;
  lastReread.set(source.id, now, 64);
  let refreshed: Awaited<ReturnType<typeof cache.refresh>>;
  try {
    refreshed = await cache.refresh(source.id, now, origin(loader.env, source.id), loader.fetchedAt);
  } catch (error) {
    // D1 unreachable: the delivery gets the 401 it would have had without the re-read, not a 500.
    log.warn("source_reread_failed", { sourceId: source.id, error: String(error).slice(0, 200) });
    return null;
  }
  const { value, fetchedAt } = refreshed;
  if (!value) return null;
  const fresh = issue(loader.env, value, fetchedAt, now);
  const same =
    fresh.secrets.length === source.secrets.length &&
    fresh.secrets.every((s, i) => s.value === source.secrets[i]?.value);
  return same ? null : fresh;
}

/**
 * Forgets source `id` in this isolate and this location (call after creating, changing or deleting
 * it), so the change applies here at once; elsewhere within {@link SOURCE_PROPAGATION_BOUND_MS}.
 */
export async function forgetSource(id: string): Promise<void> {
  lastReread.delete(id);
  await cache.forget(id);
}
