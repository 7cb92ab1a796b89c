import { utf8 } from "./encoding";

/**
 * Compares two secrets in constant time. Both sides are hashed with SHA-256 first so the compared
 * buffers always have equal length (no early exit, no throw on unequal lengths: C09, C22).
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
