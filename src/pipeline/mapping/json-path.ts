import { ownProperty } from "../../lib/json-path";

/**
 * Reads a value at a JSON path: `$.a.b[0].c` (dots and numeric indices). A path written `=text` is
 * the literal string `text`. Returns undefined when any step is missing. Only own properties are
 * read: `$.constructor` of a payload without such a key is undefined, not Object's constructor.
 */
export function readPath(payload: unknown, path: string): unknown {
  if (path.startsWith("=")) return path.slice(1);
  const steps = path.replace(/^\$\.?/, "").match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let current: unknown = payload;
  for (const step of steps) {
    if (current === null || typeof current !== "object") return undefined;
    const index = /^\[(\d+)\]$/.exec(step);
    current = ownProperty(current, index ? index[1]! : step);
  }
  return current;
}

/** A scalar as an identifier value: strings as is, finite numbers and bigint-strings as digits; else undefined. */
export function scalarString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Parses an ISO-8601 string or epoch seconds/milliseconds into epoch ms; undefined when unusable. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (typeof value === "string" && value.length > 0) {
    if (/^\d+$/.test(value)) return toEpochMs(Number(value));
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
