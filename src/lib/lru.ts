/**
 * A least-recently-used map bounded both by entry count and by an approximate byte total, for caches
 * kept in isolate memory (a Worker isolate has 128 MB in all, shared with every request it serves).
 * Each entry's size is given by the caller when it is set (bytes, an estimate is enough); an entry
 * larger than `maxBytes` on its own is not kept at all. Iteration order of a JS Map is insertion
 * order, so "recently used" is kept by deleting and re-inserting on every hit.
 */
export class BoundedLru<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private totalBytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** The value for `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` under `key` as `bytes` bytes, evicting the least recently used entries as needed. */
  set(key: K, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= entry.bytes;
    }
  }

  /** Removes `key`; true when it was there. */
  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
    return true;
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Approximate bytes held now (the sum of the sizes given to {@link set}). */
  get bytes(): number {
    return this.totalBytes;
  }
}
