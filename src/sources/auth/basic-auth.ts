import { fromBase64Strict } from "../../lib/encoding";
import { matchesStoredDigest, storedDigest } from "./credentials";
import { type AuthScheme, SecretRejected } from "./types";

const CHALLENGE = 'Basic realm="tributary", charset="UTF-8"';
const MIN_PASSWORD_CHARS = 8;

/**
 * HTTP Basic: `Authorization: Basic base64(user ":" password)`. The secret is saved as `user:password`
 * and stored only as the SHA-256 of those UTF-8 bytes; a request's decoded credentials are hashed and
 * compared in constant time, so user name and password are checked together, exactly (no trimming).
 * @see https://www.rfc-editor.org/rfc/rfc7617
 */
export const basicAuth: AuthScheme = {
  async prepareSecret(secret) {
    const colon = secret.indexOf(":");
    if (colon < 1) throw new SecretRejected("a Basic auth secret is user:password with a non-empty user");
    if (/[\p{Cc}]/u.test(secret)) throw new SecretRejected("the credentials contain control characters");
    if (secret.length - colon - 1 < MIN_PASSWORD_CHARS)
      throw new SecretRejected(`the password must be at least ${MIN_PASSWORD_CHARS} characters`);
    return storedDigest(secret);
  },

  async verify(request, secrets) {
    const match = /^Basic +(\S+)$/i.exec(request.headers.get("authorization") ?? "");
    if (!match)
      return {
        ok: false,
        code: "unauthorized",
        reason: "Authorization: Basic missing",
        challenge: CHALLENGE,
      };
    const credentials = fromBase64Strict(match[1]!);
    if (!credentials)
      return {
        ok: false,
        code: "unauthorized",
        reason: "Basic credentials are not base64",
        challenge: CHALLENGE,
      };
    if (await matchesStoredDigest(credentials, secrets)) return { ok: true };
    return {
      ok: false,
      code: "unauthorized",
      reason: "Basic credentials do not match",
      challenge: CHALLENGE,
    };
  },
};
