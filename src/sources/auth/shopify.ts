import { fromBase64Strict } from "../../lib/encoding";
import { anyHmacMatches } from "./hmac";
import { literalSecret } from "./literal-secret";
import type { AuthScheme } from "./types";

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>`. Base64 only: a hex digest of
 * the same HMAC is refused, since each source has one declared encoding.
 * @see https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify
 */
export const shopify: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets) {
    const header = request.headers.get("x-shopify-hmac-sha256");
    if (!header) return { ok: false, code: "signature_missing", reason: "X-Shopify-Hmac-Sha256 missing" };
    const signature = fromBase64Strict(header);
    if (!signature) return { ok: false, code: "signature_invalid", reason: "signature is not base64" };
    if (await anyHmacMatches(secrets, "SHA-256", [signature], request.body)) return { ok: true };
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};
