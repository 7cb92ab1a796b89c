import type { Identifier } from "../event";

/** Most identifier values of one type an event keeps. */
export const MAX_IDENTIFIERS_PER_TYPE = 25;
/** Most identifier values an event keeps in total. */
export const MAX_IDENTIFIERS_PER_EVENT = 100;

/**
 * Whether `identifiers` needs {@link capIdentifiers} (so the caller loads the identity rules only for
 * the rare event that does). Linear.
 */
export function overIdentifierCap(identifiers: readonly Identifier[]): boolean {
  if (identifiers.length > MAX_IDENTIFIERS_PER_EVENT) return true;
  const perType = new Map<string, number>();
  for (const { type } of identifiers) {
    const n = (perType.get(type) ?? 0) + 1;
    if (n > MAX_IDENTIFIERS_PER_TYPE) return true;
    perType.set(type, n);
  }
  return false;
}

/**
 * Caps an event's identifiers: exact repeats are removed, then at most
 * {@link MAX_IDENTIFIERS_PER_TYPE} values per type (the first ones, in payload order) and
 * {@link MAX_IDENTIFIERS_PER_EVENT} in all, filled by type priority (`priorityOf`, 1 the strongest;
 * ties by type name). One delivery carrying thousands of values of one type would otherwise make
 * identity resolution, the stored warnings and the D1 statements grow with it; no real customer has
 * that many identifiers in one event. Linear in the number of identifiers. Returns the kept
 * identifiers and, when any was dropped, one warning `identifiers_capped:<type>=<dropped>[,...]`.
 */
export function capIdentifiers(
  identifiers: readonly Identifier[],
  priorityOf: (type: string) => number,
): { identifiers: Identifier[]; warning?: string } {
  const byType = new Map<string, Identifier[]>();
  const dropped = new Map<string, number>();
  const seen = new Set<string>();
  for (const identifier of identifiers) {
    const key = `${identifier.type}\u0000${identifier.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const values = byType.get(identifier.type) ?? [];
    byType.set(identifier.type, values);
    if (values.length < MAX_IDENTIFIERS_PER_TYPE) values.push(identifier);
    else dropped.set(identifier.type, (dropped.get(identifier.type) ?? 0) + 1);
  }
  const types = [...byType.keys()].sort(
    (a, b) => priorityOf(a) - priorityOf(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const keep = new Set<Identifier>();
  for (const type of types) {
    for (const identifier of byType.get(type)!) {
      if (keep.size < MAX_IDENTIFIERS_PER_EVENT) keep.add(identifier);
      else dropped.set(type, (dropped.get(type) ?? 0) + 1);
    }
  }
  // Payload order is kept among the survivors.
  const kept = identifiers.filter((i) => keep.delete(i));
  if (dropped.size === 0) return { identifiers: kept };
  const counts = types.filter((t) => dropped.has(t)).map((t) => `${t}=${dropped.get(t)}`);
  return { identifiers: kept, warning: `identifiers_capped:${counts.join(",")}` };
}
