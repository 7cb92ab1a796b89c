import { credentialsInUrl, matchesStoredDigest, prepareKey, surroundingWhitespace } from "./credentials";
import type { AuthScheme } from "./types";

const CHALLENGE = 'Bearer realm="tributary"';

/**
 * A bearer token: `Authorization: Bearer <token>` (scheme name case-insensitive, RFC 9110 §11.1). The
 * token's SHA-256 is compared in constant time with the stored digests. RFC 6750's `access_token` query
 * parameter is refused: tokens never go in URLs.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export const bearerToken: AuthScheme = {
  prepareSecret: prepareKey,

  async verify(request, secrets) {
    const inUrl = credentialsInUrl(request.url, ["access_token", "token"]);
    if (inUrl) return inUrl;
    const match = /^Bearer +(.+)$/i.exec(request.headers.get("authorization") ?? "");
    if (!match)
      return {
        ok: false,
        code: "unauthorized",
        reason: "Authorization: Bearer missing",
        challenge: CHALLENGE,
      };
    const padded = surroundingWhitespace(match[1]!, "the bearer token");
    if (padded) return { ...padded, challenge: CHALLENGE };
    if (await matchesStoredDigest(match[1]!, secrets)) return { ok: true };
    return { ok: false, code: "unauthorized", reason: "bearer token does not match", challenge: CHALLENGE };
  },
};
