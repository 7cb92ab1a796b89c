/**
 * One load per key while the memo lives: the callers asking for a key at once share its promise. A
 * load that fails is dropped (the callers already waiting on it fail with it), so the next caller
 * loads again. Held for one invocation (a queue batch), never across invocations, whose promises
 * must not be awaited by another one (see own-promise.ts).
 */
export class PromiseMemo<K, V> {
  private readonly held = new Map<K, Promise<V>>();

  /** The value for `key`, from `load()` the first time it is asked for. */
  get(key: K, load: () => Promise<V>): Promise<V> {
    let value = this.held.get(key);
    if (!value) {
      value = load();
      value.catch(() => this.held.delete(key));
      this.held.set(key, value);
    }
    return value;
  }
}
