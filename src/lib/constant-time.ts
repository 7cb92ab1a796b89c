import { utf8 } from "./encoding";

/**
 * Compares two secrets in constant time. Both sides are hashed with SHA-256 first so the compared
 * buffers always have equal length (no early exit, no throw on unequal lengths).
 * Uses `crypto.subtle.timingSafeEqual`, a Workers extension.
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-crypto/#timingsafeequal
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8(given)),
    crypto.subtle.digest("SHA-256", utf8(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Compares two byte strings (digests, decoded signatures) without an early exit. Unequal lengths are
 * a plain `false`: `timingSafeEqual` throws on them, which must never turn a bad signature into a 500
 *. Only the length, which is public (a digest size), can leak.
 */
export function bytesEqual(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

/** SHA-256 of `data` (a string is hashed as UTF-8), as bytes. */
export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", typeof data === "string" ? utf8(data) : data));
}
