import { prefixedBytes } from "../../lib/bytes";
import { fromHex } from "../../lib/encoding";
import { anyHmacMatches } from "./hmac";
import { literalSecret } from "./literal-secret";
import { checkTimestamp } from "./timestamp";
import { type AuthScheme, DEFAULT_TOLERANCE_SECONDS } from "./types";

/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:" + timestamp + ":" + body>` keyed by the
 * signing secret as UTF-8, with `X-Slack-Request-Timestamp` checked against the tolerance in both
 * directions. The body is the raw bytes as received, for JSON (Events API) and form-encoded
 * (interactivity, slash commands) alike: form bodies are only parsed after verification, so Slack's
 * `%2A` stays `%2A`.
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 */
export const slack: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets, config) {
    const header = request.headers.get("x-slack-signature");
    const timestamp = request.headers.get("x-slack-request-timestamp");
    if (!header) return { ok: false, code: "signature_missing", reason: "X-Slack-Signature missing" };
    const stale = checkTimestamp(
      timestamp,
      request.now,
      config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    );
    if (stale) return stale;
    if (!header.startsWith("v0="))
      return { ok: false, code: "signature_invalid", reason: "no v0= signature (unknown version)" };
    const signature = fromHex(header.slice("v0=".length));
    if (!signature) return { ok: false, code: "signature_invalid", reason: "signature is not hex" };
    const message = prefixedBytes(`v0:${timestamp}:`, request.body);
    if (await anyHmacMatches(secrets, "SHA-256", [signature], message)) return { ok: true };
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};
