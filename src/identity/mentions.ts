import { parseJsonExact } from "../lib/json";

/**
 * Whether a stored payload mentions one of `needles` (trimmed, lower-cased identifier values): any
 * scalar of a JSON body, or any value of a form body, equal to a needle; for other bodies, a needle
 * of at least 6 characters appearing anywhere. Whole-value equality keeps a short id such as "42"
 * from matching every payload that happens to contain those digits.
 */
export function mentionsAny(
  body: string,
  contentType: string | undefined,
  needles: ReadonlySet<string>,
): boolean {
  if (needles.size === 0) return false;
  const type = (contentType ?? "application/json").toLowerCase();
  if (type.includes("json")) {
    try {
      return scalars(parseJsonExact(body)).some((s) => needles.has(s));
    } catch {
      // Not JSON after all: fall through to the text search.
    }
  }
  if (type.includes("x-www-form-urlencoded")) {
    for (const [, value] of new URLSearchParams(body))
      if (needles.has(value.trim().toLowerCase())) return true;
    return false;
  }
  const text = body.toLowerCase();
  for (const needle of needles) if (needle.length >= 6 && text.includes(needle)) return true;
  return false;
}

function scalars(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 64) return out;
  if (typeof value === "string") out.push(value.trim().toLowerCase());
  else if (typeof value === "number" || typeof value === "bigint") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) scalars(v, out, depth + 1);
  else if (value && typeof value === "object")
    for (const v of Object.values(value)) scalars(v, out, depth + 1);
  return out;
}
