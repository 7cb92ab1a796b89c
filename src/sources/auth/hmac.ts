import { utf8 } from "../../lib/encoding";
import { BoundedLru } from "../../lib/lru";
import { ownPromise } from "../../lib/own-promise";

// Imported HMAC keys kept per isolate: the edge verifies many deliveries of few sources, and an
// import per request is waste. Keyed by the secret itself, which lives in isolate memory anyway (the
// source cache holds it decrypted); it never leaves the isolate. Once imported, the key itself is
// handed out, so a warm verification needs no import and no shared promise before the HMAC.
interface ImportedKey {
  pending: Promise<CryptoKey>;
  key?: CryptoKey;
}
const importedKeys = new BoundedLru<string, ImportedKey>(1_000, 1024 * 1024);

// Byte keys handed in as the same array again (a decoded secret cached by its scheme) find their
// import through the array itself: no name built, no LRU touched. Such an entry lives as long as the
// array does, so the scheme's own bounded cache bounds these too.
const byteKeyImports = new WeakMap<Uint8Array, Partial<Record<HmacAlgorithm, ImportedKey>>>();

function cachedHmacKey(raw: Uint8Array | string, hash: HmacAlgorithm): CryptoKey | Promise<CryptoKey> {
  let byHash: Partial<Record<HmacAlgorithm, ImportedKey>> | undefined;
  let entry: ImportedKey | undefined;
  let id: string | undefined;
  if (typeof raw === "string") {
    id = `${hash}:${raw}`;
    entry = importedKeys.get(id);
  } else {
    byHash = byteKeyImports.get(raw);
    if (!byHash) {
      byHash = {};
      byteKeyImports.set(raw, byHash);
    }
    entry = byHash[hash];
  }
  if (entry?.key) return entry.key;
  if (!entry) {
    const made: ImportedKey = { pending: hmacKey(raw, hash) };
    entry = made;
    if (id !== undefined) importedKeys.set(id, made, 64 + 2 * id.length);
    else if (byHash) byHash[hash] = made;
    made.pending.then(
      (key) => {
        made.key = key;
      },
      // A failed import must not stay cached.
      () => {
        if (id !== undefined) importedKeys.delete(id);
        else if (byHash) delete byHash[hash];
      },
    );
  }
  // Another request may have started the import: its continuations must come back to this request.
  return ownPromise(entry.pending);
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
