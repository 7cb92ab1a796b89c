import { prefixedBytes } from "../../lib/bytes";
import { fromHex } from "../../lib/encoding";
import { anyHmacMatches } from "./hmac";
import { literalSecret } from "./literal-secret";
import { checkTimestamp } from "./timestamp";
import { type AuthScheme, DEFAULT_TOLERANCE_SECONDS } from "./types";

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 over `${t}.${body}` keyed by
 * the whole secret string (`whsec_...` included) as UTF-8. Every v1 is tried (secret rotation);
 * v0 and unknown schemes are ignored, never used as a fallback. A repeated `t=` is refused rather than
 * guessing which one was signed.
 * @see https://docs.stripe.com/webhooks#verify-manually
 */
export const stripe: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets, config) {
    const header = request.headers.get("stripe-signature");
    if (!header) return { ok: false, code: "signature_missing", reason: "Stripe-Signature missing" };
    const timestamps: string[] = [];
    const signatures: Uint8Array[] = [];
    for (const pair of header.split(",")) {
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (name === "t") timestamps.push(value);
      else if (name === "v1") {
        const bytes = fromHex(value);
        if (bytes) signatures.push(bytes);
      }
    }
    if (timestamps.length > 1) return { ok: false, code: "timestamp_invalid", reason: "several t= values" };
    const timestamp = timestamps[0];
    const stale = checkTimestamp(
      timestamp,
      request.now,
      config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    );
    if (stale) return stale;
    if (signatures.length === 0) return { ok: false, code: "signature_invalid", reason: "no v1 signature" };
    const message = prefixedBytes(`${timestamp}.`, request.body);
    if (await anyHmacMatches(secrets, "SHA-256", signatures, message)) return { ok: true };
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};
