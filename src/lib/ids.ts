import { monotonicFactory } from "ulidx";

// Random bytes drawn from the platform's CSPRNG 256 at a time. ulidx's own source draws one byte per
// call, i.e. 16 getRandomValues calls for each new millisecond's id, which on the edge cost about as
// much as the rest of building a delivery envelope. Same bytes, same scaling (byte / 255, as ulidx
// does), fewer calls. Filled lazily: Workers allow no randomness at module load.
const pool = new Uint8Array(256);
let drawn = pool.length;

function pooledRandom(): number {
  if (drawn === pool.length) {
    crypto.getRandomValues(pool);
    drawn = 0;
  }
  return pool[drawn++]! / 0xff;
}

const ulid = monotonicFactory(pooledRandom);

/**
 * A new sortable id: `<prefix>_<ULID>` (26 Crockford base32 chars, time-ordered; within one
 * millisecond the random part counts up, ulidx's monotonic factory).
 * @see https://github.com/ulid/spec
 */
export function newId(
  prefix: "src" | "dlv" | "prf" | "evt" | "req" | "mrg" | "dlq" | "key" | string,
): string {
  return `${prefix}_${ulid()}`;
}
