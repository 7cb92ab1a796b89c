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

/** `object[key]` when `key` is the object's own property (never an inherited one); else undefined. */
export function ownProperty(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}
