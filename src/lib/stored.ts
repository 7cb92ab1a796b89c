/** Earliest and latest epoch ms a Date can hold (ECMA-262 "Time Values and Time Range"). */
const DATE_LIMIT_MS = 8.64e15;

/**
 * A stored epoch-ms time as ISO-8601 for a read model. Readers must never fail on a stored row (one
 * bad row would make a profile unreadable for good), so a time outside the Date range is shown at
 * the nearest end of it and a value that is not a number as the epoch.
 * @see https://tc39.es/ecma262/#sec-time-values-and-time-range
 */
export function isoTime(ms: unknown): string {
  const n = typeof ms === "number" ? ms : Number(ms);
  if (!Number.isFinite(n)) return new Date(0).toISOString();
  return new Date(Math.max(-DATE_LIMIT_MS, Math.min(DATE_LIMIT_MS, Math.trunc(n)))).toISOString();
}

/**
 * A stored JSON column parsed for a read model, or `fallback` when it does not parse (a row written
 * by an older version or by hand must not make the read fail).
 */
export function storedJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== "string") return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
