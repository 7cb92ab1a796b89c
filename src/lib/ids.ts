import { monotonicFactory } from "ulidx";

const ulid = monotonicFactory();

/**
 * A new sortable id: `<prefix>_<ULID>` (26 Crockford base32 chars, time-ordered).
 * @see https://github.com/ulid/spec
 */
export function newId(
  prefix: "src" | "dlv" | "prf" | "evt" | "req" | "mrg" | "dlq" | "key" | string,
): string {
  return `${prefix}_${ulid()}`;
}
