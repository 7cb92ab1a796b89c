import { utf8 } from "../../lib/encoding";
import { BoundedLru } from "../../lib/lru";
import { ownPromise } from "../../lib/own-promise";

// Imported HMAC keys kept per isolate: the edge verifies many deliveries of few sources, and an
// import per request is waste. Keyed by the secret itself, which lives in isolate memory anyway (the
// source cache holds it decrypted); it never leaves the isolate.
const importedKeys = new BoundedLru<string, Promise<CryptoKey>>(1_000, 1024 * 1024);

function cachedHmacKey(raw: Uint8Array | string, hash: HmacAlgorithm): Promise<CryptoKey> {
  const id = `${hash}:${typeof raw === "string" ? `s:${raw}` : `b:${String.fromCharCode(...raw)}`}`;
  let key = importedKeys.get(id);
  if (!key) {
    key = hmacKey(raw, hash);
    importedKeys.set(id, key, 64 + 2 * id.length);
    // A failed import must not stay cached.
    key.catch(() => importedKeys.delete(id));
  }
  // Another request may have started the import: its continuations must come back to this request.
  return ownPromise(key);
}

/** HMAC hash names we verify with. */
export type HmacAlgorithm = "SHA-1" | "SHA-256" | "SHA-512";

/** Imports `key` (raw bytes or a UTF-8 string) as an HMAC key for sign and verify. */
export function hmacKey(key: Uint8Array | string, hash: HmacAlgorithm): Promise<CryptoKey> {
  const raw = typeof key === "string" ? utf8(key) : key;
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash }, false, ["sign", "verify"]);
}

/** HMAC of `message` under `key`, as bytes. */
export async function hmacSign(key: CryptoKey, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
}

/**
 * True when `signature` is the HMAC of `message` under `key`. crypto.subtle.verify compares in
 * constant time and returns false (never throws) for a signature of the wrong length, so a truncated
 * or garbage signature is a plain mismatch.
 */
export function hmacVerify(key: CryptoKey, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, signature, message);
}

/**
 * True when any of `signatures` is the HMAC of `message` under any of `keys` (several keys during a
 * secret rotation, several signatures when the sender rotates). Empty keys are skipped: an HMAC
 * under an empty key is forgeable by anyone, and importing one would throw.
 */
export async function anyHmacMatches(
  keys: readonly (Uint8Array | string)[],
  hash: HmacAlgorithm,
  signatures: readonly Uint8Array[],
  message: Uint8Array,
): Promise<boolean> {
  for (const raw of keys) {
    if (raw.length < 1) continue;
    const key = await cachedHmacKey(raw, hash);
    for (const signature of signatures) if (await hmacVerify(key, signature, message)) return true;
  }
  return false;
}
