import { fromHex } from "../../lib/encoding";
import { hmacKey, hmacVerify } from "./hmac";
import { literalSecret } from "./literal-secret";
import type { AuthScheme } from "./types";

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed by the secret as UTF-8.
 * The body is hashed as received, never re-encoded, so multibyte text verifies (C02).
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export const github: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets) {
    const header = request.headers.get("x-hub-signature-256");
    if (!header) return { ok: false, code: "signature_missing", reason: "X-Hub-Signature-256 missing" };
    if (!header.startsWith("sha256="))
      return { ok: false, code: "signature_invalid", reason: "missing sha256= prefix" };
    const signature = fromHex(header.slice("sha256=".length));
    if (!signature) return { ok: false, code: "signature_invalid", reason: "signature is not hex" };
    for (const secret of secrets) {
      if (await hmacVerify(await hmacKey(secret, "SHA-256"), signature, request.body)) return { ok: true };
    }
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};
