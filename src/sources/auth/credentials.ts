import { bytesEqual, sha256 } from "../../lib/constant-time";
import { fromHex, toHex } from "../../lib/encoding";
import { literalSecret } from "./literal-secret";
import { SecretRejected, type VerifyOutcome } from "./types";

/** Prefix of a stored credential digest: the key itself is never stored, only its SHA-256. */
const DIGEST_PREFIX = "sha256:";

/** Shortest bearer token or API key accepted: long enough that guessing is not an attack. */
export const MIN_KEY_CHARS = 16;

/**
 * Validates a bearer token or API key (literal rules, at least {@link MIN_KEY_CHARS} characters) and
 * returns what is stored: `sha256:<hex>` of its UTF-8 bytes.
 * @throws SecretRejected
 */
export async function prepareKey(secret: string): Promise<string> {
  const key = literalSecret(secret);
  if (key.length < MIN_KEY_CHARS)
    throw new SecretRejected(`the key must be at least ${MIN_KEY_CHARS} characters`);
  return storedDigest(key);
}

/** `sha256:<hex>` of `credential`'s UTF-8 bytes: the stored form of Basic, bearer and API-key credentials. */
export async function storedDigest(credential: string | Uint8Array): Promise<string> {
  return DIGEST_PREFIX + toHex(await sha256(credential));
}

/**
 * True when SHA-256 of `given` equals any stored digest. Every digest is compared, in constant time and
 * on equal-length buffers, so neither a near-miss nor which stored key matched shows in the timing.
 */
export async function matchesStoredDigest(
  given: string | Uint8Array,
  stored: readonly string[],
): Promise<boolean> {
  const digest = await sha256(given);
  let matched = false;
  for (const entry of stored) {
    const expected = entry.startsWith(DIGEST_PREFIX) ? fromHex(entry.slice(DIGEST_PREFIX.length)) : null;
    if (expected && bytesEqual(digest, expected)) matched = true;
  }
  return matched;
}

/**
 * Refuses credentials in the query string (they end up in access logs, proxies and browser history):
 * returns a `credentials_in_url` outcome when any of `names` is a query parameter, else null.
 */
export function credentialsInUrl(url: string, names: readonly string[]): VerifyOutcome | null {
  const queryAt = url.indexOf("?");
  if (queryAt < 0) return null;
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  for (const name of new URLSearchParams(url.slice(queryAt + 1)).keys()) {
    if (wanted.has(name.toLowerCase()))
      return { ok: false, code: "credentials_in_url", reason: `credential in query parameter ${name}` };
  }
  return null;
}

/**
 * A credential with surrounding whitespace that survived HTTP's own trimming (e.g. a no-break space
 * pasted with the key) is refused rather than trimmed silently, and the reason is logged.
 */
export function surroundingWhitespace(value: string, what: string): VerifyOutcome | null {
  if (!/^\s|\s$/u.test(value)) return null;
  return {
    ok: false,
    code: "unauthorized",
    reason: `${what} has leading or trailing whitespace (not trimmed)`,
  };
}
