/**
 * Path segments that name inherited machinery of every JavaScript object rather than data. Reading
 * `$.constructor` gives a function (which cannot be queued or stored), `$.__proto__` the prototype.
 */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/**
 * The first JSON path (a string starting with `$`, or a `{$...}` template placeholder) anywhere in
 * `value` (objects and arrays walked) that has a {@link FORBIDDEN_PATH_SEGMENTS} segment, as
 * `where: path`; undefined when there is none. Used to refuse such settings with a 400 when a
 * source is configured; readers also read own properties only, for settings stored earlier.
 */
export function forbiddenPathIn(value: unknown, where = ""): string | undefined {
  if (typeof value === "string") {
    const paths = value.startsWith("$") ? [value] : (value.match(/\{\$[^}]*\}/g) ?? []);
    for (const path of paths)
      if (path.split(/[.[\]{}]/).some((segment) => FORBIDDEN_PATH_SEGMENTS.has(segment)))
        return `${where || "value"}: ${path.slice(0, 100)}`;
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = forbiddenPathIn(item, where ? `${where}.${key}` : key);
    if (found) return found;
  }
  return undefined;
}

/**
 * The first of `fields` (dot paths into an event such as `properties.a.b`, as conditions and indicators
 * name fields) with a {@link FORBIDDEN_PATH_SEGMENTS} segment; undefined when there is none. Checked
 * when a condition or indicator is configured; settings stored earlier keep loading (reads are own-only).
 */
export function forbiddenFieldIn(fields: Iterable<string | null | undefined>): string | undefined {
  for (const field of fields)
    if (field?.split(/[.[\]]/).some((segment) => FORBIDDEN_PATH_SEGMENTS.has(segment)))
      return field.slice(0, 100);
  return undefined;
}

/** `object[key]` when `key` is the object's own property (never an inherited one); else undefined. */
export function ownProperty(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

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
