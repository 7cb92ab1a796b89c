import { bytesEqual, sha256 } from "../../lib/constant-time";
import { fromBase64Strict, fromHex, utf8 } from "../../lib/encoding";
import { groupBy } from "../../lib/group-by";
import { anyHmacMatches, type HmacAlgorithm } from "./hmac";
import { literalSecret } from "./literal-secret";
import type { AuthScheme, VerifyOutcome } from "./types";

/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1>` keyed by the auth token, over the URL Twilio was
 * configured with (`publicUrl` + the query string as received, else the request URL) followed by
 * every form parameter as name+value, sorted by name and then by value (repeated names are a
 * multi-map, and equal values count once, as in Twilio's own validator). JSON bodies are the
 * `bodySHA256` variant: the signature covers the URL only and the URL's `bodySHA256` must be the
 * SHA-256 hex of the raw body. A non-form body without `bodySHA256` is refused, since nothing would
 * cover it. `X-Twilio-Webhooks-Signature-Settings: algorithm=HMAC_SHA256` selects SHA-256.
 * Like Twilio's validator, several spellings of the URL are tried (see {@link urlVariants}).
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * @see https://github.com/twilio/twilio-node/blob/main/src/webhooks/webhooks.ts
 */
export const twilio: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets, config) {
    const header = request.headers.get("x-twilio-signature");
    if (!header) return { ok: false, code: "signature_missing", reason: "X-Twilio-Signature missing" };
    const signature = fromBase64Strict(header);
    if (!signature) return { ok: false, code: "signature_invalid", reason: "signature is not base64" };
    const hash = algorithm(request.headers.get("x-twilio-webhooks-signature-settings"));
    if (!hash) return { ok: false, code: "signature_invalid", reason: "unsupported signature algorithm" };

    const url = signedUrl(config.publicUrl, request.url);
    const query = url.includes("?") ? new URLSearchParams(url.slice(url.indexOf("?") + 1)) : null;
    const bodyHash = query?.get("bodySHA256") ?? null;
    let params = "";
    if (bodyHash !== null) {
      const expected = fromHex(bodyHash);
      if (!expected || !bytesEqual(expected, await sha256(request.body)))
        return { ok: false, code: "signature_invalid", reason: "bodySHA256 does not match the body" };
    } else {
      const refused = unsignedBody(request.headers.get("content-type"), request.body);
      if (refused) return refused;
      params = sortedParams(new URLSearchParams(new TextDecoder().decode(request.body)));
    }
    const messages = urlVariants(url).map((candidate) => utf8(candidate + params));
    for (const message of messages)
      if (await anyHmacMatches(secrets, hash, [signature], message)) return { ok: true };
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};

/** Name+value of every parameter, names sorted, each name's distinct values sorted (UTF-16 order). */
export function sortedParams(params: URLSearchParams): string {
  let out = "";
  for (const name of [...new Set(params.keys())].sort()) {
    for (const value of [...new Set(params.getAll(name))].sort()) out += name + value;
  }
  return out;
}

function algorithm(settings: string | null): HmacAlgorithm | null {
  const named = /(?:^|,)\s*algorithm=([^,]*)/
    .exec(settings ?? "")?.[1]
    ?.trim()
    .toUpperCase();
  if (!named || named === "HMAC_SHA1") return "SHA-1";
  if (named === "HMAC_SHA256") return "SHA-256";
  return null;
}

/** The configured public URL's origin and path with the request's raw query string, or the request URL. */
function signedUrl(publicUrl: string | undefined, requestUrl: string): string {
  if (!publicUrl) return requestUrl;
  const queryAt = requestUrl.indexOf("?");
  const base = publicUrl.replace(/[?#].*$/, "");
  return queryAt < 0 ? base : base + requestUrl.slice(queryAt);
}

/**
 * The spellings of `url` Twilio's own validator accepts, each with and without the default port: the
 * URL as received; the URL as Twilio sent it before the runtime's URL parser percent-encoded the
 * characters of the WHATWG query percent-encode set (`'` `"` `<` `>`: Twilio signs the raw URL, the
 * Worker only sees `%27`); and the query re-encoded the way Node's legacy `querystring` does, for
 * back ends that signed an escaped form. All are spellings of the same request URL, so none widens
 * what a signature covers. At most 6 distinct candidates.
 * @see https://url.spec.whatwg.org/#query-state
 * @see https://github.com/twilio/twilio-node/blob/main/src/webhooks/webhooks.ts (validateRequest)
 */
export function urlVariants(url: string): string[] {
  const spellings = new Set([url, unescapeQueryParserEscapes(url), withLegacyQuerystring(url)]);
  return [...new Set([...spellings].flatMap(portVariants))];
}

/** The query with `%27 %22 %3C %3E` (what the URL parser adds in a query) turned back into characters. */
function unescapeQueryParserEscapes(url: string): string {
  const at = url.indexOf("?");
  if (at < 0) return url;
  const query = url
    .slice(at)
    .replace(/%(27|22|3C|3E)/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return url.slice(0, at) + query;
}

/** The query parsed and re-encoded as Node's `querystring.stringify` would (encodeURIComponent, `&`, `=`). */
function withLegacyQuerystring(url: string): string {
  const at = url.indexOf("?");
  if (at < 0 || at === url.length - 1) return url;
  const fragmentAt = url.indexOf("#", at);
  const query = url.slice(at + 1, fragmentAt < 0 ? undefined : fragmentAt);
  // querystring groups a repeated name's values at its first appearance.
  const grouped = groupBy(new URLSearchParams(query), ([name]) => name);
  const pairs = [...grouped.values()].flatMap((entries) =>
    entries.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`),
  );
  return `${url.slice(0, at)}?${pairs.join("&")}`;
}

/** `url` as given plus the same URL with its default port added (or removed). */
function portVariants(url: string): string[] {
  const match = /^(https?:\/\/)([^/?#@]*@)?([^/?#:]*|\[[^\]]*\])(:\d+)?(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = "", userInfo = "", host = "", port, rest = ""] = match;
  const defaultPort = scheme.toLowerCase() === "https://" ? ":443" : ":80";
  const other = port ? "" : defaultPort;
  return [url, scheme + userInfo + host + other + rest];
}

function unsignedBody(contentType: string | null, body: Uint8Array): VerifyOutcome | null {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (body.length === 0 || media === "application/x-www-form-urlencoded") return null;
  return {
    ok: false,
    code: "signature_invalid",
    reason: "a non-form body needs bodySHA256 in the URL: otherwise the signature does not cover it",
  };
}
