import { fromHex } from "../../lib/encoding";
import { anyHmacMatches, type HmacAlgorithm } from "./hmac";
import { literalSecret } from "./literal-secret";
import type { AuthScheme, VerifyOutcome } from "./types";

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed by the secret as UTF-8.
 * The body is hashed as received, never re-encoded, so multibyte text verifies. The legacy
 * `X-Hub-Signature: sha1=<hex>` is accepted only when the source opts in (`githubLegacySha1`) and only
 * when no SHA-256 header is present: a failing SHA-256 signature never falls back to SHA-1.
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export const github: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets, config) {
    const sha256 = request.headers.get("x-hub-signature-256");
    if (sha256 !== null) return check(sha256, "sha256=", "SHA-256", request.body, secrets);
    const sha1 = request.headers.get("x-hub-signature");
    if (sha1 !== null && config.githubLegacySha1) return check(sha1, "sha1=", "SHA-1", request.body, secrets);
    return {
      ok: false,
      code: "signature_missing",
      reason:
        sha1 === null
          ? "X-Hub-Signature-256 missing"
          : "X-Hub-Signature-256 missing (legacy sha1 is not enabled for this source)",
    };
  },
};

async function check(
  header: string,
  prefix: string,
  hash: HmacAlgorithm,
  body: Uint8Array,
  secrets: readonly string[],
): Promise<VerifyOutcome> {
  if (!header.startsWith(prefix))
    return { ok: false, code: "signature_invalid", reason: `missing ${prefix} prefix` };
  const signature = fromHex(header.slice(prefix.length));
  if (!signature) return { ok: false, code: "signature_invalid", reason: "signature is not hex" };
  if (await anyHmacMatches(secrets, hash, [signature], body)) return { ok: true };
  return { ok: false, code: "signature_invalid", reason: "no signature matched" };
}
