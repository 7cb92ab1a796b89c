import { BoundedLru } from "./lru";

/**
 * A read-through cache with two tiers in front of an origin (D1):
 *
 * 1. isolate memory: a {@link BoundedLru} of opened values (e.g. decrypted secrets), each trusted for
 *    `isolateTtlMs` after it entered the isolate;
 * 2. the location's Cache API (`caches.default`, shared by every isolate of one Cloudflare location,
 *    free, no binding): the origin's value in its stored, shareable form (e.g. still sealed), trusted
 *    for `sharedTtlMs` after it was read from the origin.
 *
 * So a value read from the origin at time t is served until at most t + sharedTtlMs + isolateTtlMs
 * anywhere (the bound a change takes to propagate, see {@link TwoTierCache.propagationBoundMs}). "Not
 * found" is cached like a value. Freshness is decided from times stored in the entries and the `now`
 * the caller passes (epoch ms), never from the platform's own expiry, so tests can move the clock.
 * Concurrent misses for one key in one isolate each read for themselves: a read shared between
 * requests would run the waiting requests on in the reading request's context, where their own I/O
 * (their bodies) fails, and would fail them all if that request were cancelled (see
 * lib/own-promise.ts); the first answer fills the isolate tier for the requests after it.
 *
 * The Cache API does nothing on workers.dev hostnames and may drop entries at any time; every tier
 * miss just falls through to the next, so the cache is never a source of errors.
 * @see https://developers.cloudflare.com/workers/runtime-apis/cache/
 */
export class TwoTierCache<S, T> {
  private readonly isolate: BoundedLru<string, IsolateEntry<T>>;
  private tokens: number;
  private tokensAt = 0;

  constructor(private readonly options: TwoTierOptions) {
    this.isolate = new BoundedLru(options.maxEntries, options.maxBytes);
    this.tokens = options.missBudget?.capacity ?? 0;
  }

  /** Longest time, ms, that a change at the origin can go unseen by any isolate. */
  get propagationBoundMs(): number {
    return this.options.isolateTtlMs + this.options.sharedTtlMs;
  }

  /** The isolate tier's fresh entry for `key`, or undefined: the whole of a warm {@link get}, synchronously. */
  peek(key: string, now: number): Cached<T> | undefined {
    const hit = this.isolate.get(key);
    return hit && now - hit.cachedAt < this.options.isolateTtlMs ? hit : undefined;
  }

  /**
   * The value for `key`: from isolate memory, else from the location's cache, else from the origin
   * (then stored in both tiers).
   * @throws MissBudgetExhausted when the origin would be asked about a key no tier knows while the
   *   isolate's budget for "not found" answers is spent; whatever `origin` throws
   */
  get(key: string, now: number, origin: Origin<S, T>): Promise<Cached<T>> {
    const hit = this.isolate.get(key);
    if (hit && now - hit.cachedAt < this.options.isolateTtlMs) return Promise.resolve(hit);
    return this.fill(key, now, origin);
  }

  /**
   * Re-reads `key` past the isolate tier: the location's entry when it was read from the origin after
   * `newerThan` (another isolate already refreshed it), else the origin itself. Both tiers are updated.
   */
  async refresh(key: string, now: number, origin: Origin<S, T>, newerThan: number): Promise<Cached<T>> {
    const shared = await this.readShared(key, now);
    if (shared && shared.fetchedAt > newerThan) return this.keep(key, shared, now, origin);
    return this.load(key, now, origin);
  }

  /** Drops `key` from this isolate and from this location's cache (after an admin change). */
  async forget(key: string): Promise<void> {
    this.isolate.delete(key);
    const cache = sharedCache();
    if (!cache) return;
    try {
      await cache.delete(this.url(key));
    } catch {
      // An entry that could not be purged still expires after sharedTtlMs.
    }
  }

  private async fill(key: string, now: number, origin: Origin<S, T>): Promise<Cached<T>> {
    const shared = await this.readShared(key, now);
    if (shared) return this.keep(key, shared, now, origin);
    const budget = this.options.missBudget;
    if (!budget) return this.load(key, now, origin);
    this.refill(now, budget);
    if (this.tokens < 1) throw new MissBudgetExhausted();
    this.tokens -= 1;
    const loaded = await this.load(key, now, origin);
    // Only "not found" answers spend the budget: a cold isolate may look up many real keys at once.
    if (loaded.value !== null) this.tokens = Math.min(budget.capacity, this.tokens + 1);
    return loaded;
  }

  private refill(now: number, budget: MissBudget): void {
    const elapsed = Math.max(0, now - this.tokensAt);
    this.tokens = Math.min(budget.capacity, this.tokens + (elapsed * budget.perSecond) / 1000);
    this.tokensAt = now;
  }

  private async load(key: string, now: number, origin: Origin<S, T>): Promise<Cached<T>> {
    const record: SharedRecord<S> = { fetchedAt: now, value: await origin.load() };
    await this.writeShared(key, record);
    return this.keep(key, record, now, origin);
  }

  private async keep(
    key: string,
    record: SharedRecord<S>,
    now: number,
    origin: Origin<S, T>,
  ): Promise<Cached<T>> {
    const value = record.value === null ? null : await origin.open(record.value);
    const entry: IsolateEntry<T> = { value, fetchedAt: record.fetchedAt, cachedAt: now };
    // UTF-16 in memory, plus the opened copy and bookkeeping: about 4 bytes per JSON character.
    this.isolate.set(key, entry, 256 + 4 * JSON.stringify(record.value).length);
    return entry;
  }

  private async readShared(key: string, now: number): Promise<SharedRecord<S> | null> {
    const cache = sharedCache();
    if (!cache) return null;
    try {
      const response = await cache.match(this.url(key));
      if (!response) return null;
      const record = (await response.json()) as SharedRecord<S>;
      return now - record.fetchedAt < this.options.sharedTtlMs ? record : null;
    } catch {
      return null;
    }
  }

  private async writeShared(key: string, record: SharedRecord<S>): Promise<void> {
    const cache = sharedCache();
    if (!cache) return;
    const maxAge = Math.ceil(this.options.sharedTtlMs / 1000);
    try {
      await cache.put(
        this.url(key),
        new Response(JSON.stringify(record), {
          headers: { "content-type": "application/json", "cache-control": `max-age=${maxAge}` },
        }),
      );
    } catch {
      // Not cached at this location: the next isolate miss reads the origin again.
    }
  }

  // A host that can never resolve, so the entries cannot collide with (or be fetched as) real pages.
  private url(key: string): string {
    return `https://tributary-cache.invalid/${this.options.namespace}/${encodeURIComponent(key)}`;
  }
}

/** Settings of a {@link TwoTierCache}. Times in ms, sizes in bytes. */
export interface TwoTierOptions {
  /** Path segment of the synthetic Cache API URLs, with a version (e.g. `sources/v1`). */
  namespace: string;
  isolateTtlMs: number;
  sharedTtlMs: number;
  maxEntries: number;
  maxBytes: number;
  /**
   * Optional cap on origin reads that find nothing, per isolate (a token bucket): bounds what a flood
   * of made-up keys can cost the origin. Past it, {@link TwoTierCache.get} throws MissBudgetExhausted.
   */
  missBudget?: MissBudget;
}

/** A token bucket: `capacity` "not found" origin reads at once, refilled at `perSecond`. */
export interface MissBudget {
  capacity: number;
  perSecond: number;
}

/** Where a value comes from (`load`, null = not found) and how its stored form is opened for use. */
export interface Origin<S, T> {
  load(): Promise<S | null>;
  open(stored: S): Promise<T>;
}

/** A cached answer: the value (null = not found) and when it was read from the origin (epoch ms). */
export interface Cached<T> {
  value: T | null;
  fetchedAt: number;
}

/** Thrown when a lookup would need the origin but the isolate's "not found" budget is spent. */
export class MissBudgetExhausted extends Error {
  constructor() {
    super("too many lookups of unknown keys; retry shortly");
  }
}

interface IsolateEntry<T> extends Cached<T> {
  cachedAt: number;
}

interface SharedRecord<S> {
  fetchedAt: number;
  value: S | null;
}

function sharedCache(): Cache | undefined {
  return (globalThis as { caches?: CacheStorage & { default?: Cache } }).caches?.default;
}
