import { utf8 } from "../../lib/encoding";
import { BoundedLru } from "../../lib/lru";
import { ownPromise } from "../../lib/own-promise";

// Imported HMAC keys kept per isolate: the edge verifies many deliveries of few sources, and an
// import per request is waste. Keyed by the secret itself (and how it is decoded), which lives in
// isolate memory anyway (the source cache holds it decrypted); it never leaves the isolate. Once
// imported, the key itself is handed out, so a warm verification needs no decoding, no import and no
// shared promise before the HMAC.
interface ImportedKey {
  pending: Promise<CryptoKey>;
  key?: CryptoKey;
}
const importedKeys = new BoundedLru<string, ImportedKey>(1_000, 1024 * 1024);

/**
 * How a scheme turns a stored secret into key bytes (e.g. Standard Webhooks: base64 after `whsec_`),
 * when it does not use the secret's UTF-8 bytes. `name` is part of the cache key, so one secret
 * decoded two ways never shares an import. `decode` returns null for a secret that must not be used.
 */
export interface KeyDecoding {
  name: string;
  decode(secret: string): Uint8Array | null;
}

function cachedHmacKey(
  secret: string,
  hash: HmacAlgorithm,
  decoding: KeyDecoding | undefined,
): CryptoKey | Promise<CryptoKey> | null {
  const id = `${hash}:${decoding?.name ?? "utf8"}:${secret}`;
  const entry = importedKeys.get(id);
  if (entry?.key) return entry.key;
  // Another request may have started the import: its continuations must come back to this request.
  if (entry) return ownPromise(entry.pending);
  const raw = decoding ? decoding.decode(secret) : secret;
  if (raw === null || raw.length < 1) return null;
  const made: ImportedKey = { pending: hmacKey(raw, hash) };
  importedKeys.set(id, made, 64 + 2 * id.length);
  made.pending.then(
    (key) => {
      made.key = key;
    },
    // A failed import must not stay cached.
    () => importedKeys.delete(id),
  );
  return ownPromise(made.pending);
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
 * True when any of `signatures` is the HMAC of `message` under any of `secrets` (several during a
 * secret rotation, several signatures when the sender rotates), each used as its UTF-8 bytes or as
 * `decoding` gives them. Empty keys, and secrets `decoding` refuses, are skipped: an HMAC under an
 * empty key is forgeable by anyone, and importing one would throw.
 */
export async function anyHmacMatches(
  secrets: readonly string[],
  hash: HmacAlgorithm,
  signatures: readonly Uint8Array[],
  message: Uint8Array,
  decoding?: KeyDecoding,
): Promise<boolean> {
  for (const secret of secrets) {
    const key = await cachedHmacKey(secret, hash, decoding);
    if (!key) continue;
    for (const signature of signatures) if (await hmacVerify(key, signature, message)) return true;
  }
  return false;
}
