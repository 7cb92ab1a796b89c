/**
 * Groups `items` by `keyOf(item)`: key → the items with that key, in their order; keys in the order
 * they first appear. The same as ES2024's `Map.groupBy` (not in this project's ES2023 lib), and linear:
 * each item is pushed onto its group, never copied with it.
 * @see https://tc39.es/ecma262/#sec-map.groupby
 */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
