import { bytesEqual } from "../lib/constant-time";
import { toHex, utf8 } from "../lib/encoding";

/**
 * Console sessions without server-side state: the cookie value is `v1.<expires>.<nonce>.<mac>`, where
 * `expires` is Unix seconds, `nonce` 16 random bytes (hex) and `mac` HMAC-SHA256 over the first three
 * parts (hex). The HMAC key is derived from ADMIN_TOKEN with HKDF, so rotating the admin token signs
 * every operator out, and the cookie never carries the token itself.
 *
 * The CSRF token of a session is HMAC-SHA256 of its nonce under a second derived key: a page can
 * embed it in forms, a cross-site attacker (who cannot read the cookie or the page) cannot compute it.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#signed-double-submit-cookie-recommended
 */

/** Seconds a console session lasts after sign-in (8 hours: one working day, then sign in again). */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

/** A verified session: when it ends (Unix seconds) and its random nonce (hex). */
export interface ConsoleSession {
  expiresAt: number;
  nonce: string;
}

type KeyPurpose = "session" | "csrf" | "flash";

// Derived keys per (token, purpose): HKDF costs a few crypto calls; a console request needs two.
const keyCache = new Map<string, CryptoKey>();

/**
 * The HMAC-SHA256 key for `purpose`, derived from the admin token with HKDF-SHA256 (RFC 5869), salt
 * "tributary-console", info "tributary-console-<purpose>-v1". Distinct purposes give unrelated keys,
 * so a session MAC can never be replayed as a CSRF token or a flash signature.
 * @see https://www.rfc-editor.org/rfc/rfc5869
 */
async function derivedKey(adminToken: string, purpose: KeyPurpose): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${adminToken}`;
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  const base = await crypto.subtle.importKey("raw", utf8(adminToken), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: utf8("tributary-console"),
      info: utf8(`tributary-console-${purpose}-v1`),
    },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  // A rotated token leaves its old keys behind; a handful of entries is all a Worker isolate sees.
  if (keyCache.size > 8) keyCache.clear();
  keyCache.set(cacheKey, key);
  return key;
}

/** HMAC-SHA256 of `message` under the `purpose` key, as lower-case hex. */
export async function consoleMac(adminToken: string, purpose: KeyPurpose, message: string): Promise<string> {
  const key = await derivedKey(adminToken, purpose);
  return toHex(await crypto.subtle.sign("HMAC", key, utf8(message)));
}

/** True when `given` equals `expected` (both hex MACs), without an early exit. */
function macEqual(given: string, expected: string): boolean {
  return bytesEqual(utf8(given), utf8(expected));
}

/**
 * Issues a new session cookie value valid for {@link SESSION_TTL_SECONDS} from `nowMs` (epoch ms).
 * Only call after the admin token was checked.
 */
export async function issueSession(adminToken: string, nowMs = Date.now()): Promise<string> {
  const expires = Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS;
  const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const body = `v1.${expires}.${nonce}`;
  return `${body}.${await consoleMac(adminToken, "session", body)}`;
}

/**
 * Verifies a session cookie value: well-formed, MAC valid under the current admin token, not expired
 * at `nowMs`. Returns the session, or null for anything else (never throws on hostile input).
 */
export async function verifySession(
  adminToken: string,
  value: string | undefined,
  nowMs = Date.now(),
): Promise<ConsoleSession | null> {
  if (!value || value.length > 200) return null;
  const match = /^(v1\.(\d{1,12})\.([0-9a-f]{32}))\.([0-9a-f]{64})$/.exec(value);
  if (!match) return null;
  const [, body, expires, nonce, mac] = match;
  const expected = await consoleMac(adminToken, "session", body!);
  if (!macEqual(mac!, expected)) return null;
  const expiresAt = Number(expires);
  if (expiresAt * 1000 <= nowMs) return null;
  return { expiresAt, nonce: nonce! };
}

/** The CSRF token of `session`: HMAC of its nonce under the csrf key (hex, 64 characters). */
export function csrfTokenFor(adminToken: string, session: ConsoleSession): Promise<string> {
  return consoleMac(adminToken, "csrf", session.nonce);
}

/** True when `given` is the CSRF token of `session` (constant-time comparison). */
export async function csrfTokenValid(
  adminToken: string,
  session: ConsoleSession,
  given: string | undefined,
): Promise<boolean> {
  if (!given || given.length > 200) return false;
  return macEqual(given, await csrfTokenFor(adminToken, session));
}
