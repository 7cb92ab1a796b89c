import { credentialsInUrl, matchesStoredDigest, prepareKey, surroundingWhitespace } from "./credentials";
import type { AuthScheme } from "./types";

/** Default header of the API-key scheme. */
export const DEFAULT_API_KEY_HEADER = "x-api-key";

/** Query parameters that look like a key; any of them is refused. */
const KEY_QUERY_NAMES = ["api_key", "apikey", "api-key", "key", "token", "access_token"];

/**
 * An API key in a header (`apiKeyHeader`, default `X-API-Key`). The header name is matched
 * case-insensitively (`Headers.get`), the key exactly: its SHA-256 is compared in constant time with
 * the stored digests. A key in the query string is refused even when the header is right.
 */
export const apiKey: AuthScheme = {
  prepareSecret: prepareKey,

  async verify(request, secrets, config) {
    const header = config.apiKeyHeader ?? DEFAULT_API_KEY_HEADER;
    const inUrl = credentialsInUrl(request.url, [...KEY_QUERY_NAMES, header]);
    if (inUrl) return inUrl;
    const key = request.headers.get(header);
    if (!key) return { ok: false, code: "unauthorized", reason: `${header} header missing` };
    const padded = surroundingWhitespace(key, "the API key");
    if (padded) return padded;
    if (await matchesStoredDigest(key, secrets)) return { ok: true };
    return { ok: false, code: "unauthorized", reason: "API key does not match" };
  },
};
