import { fromBase64Strict, fromHex, utf8 } from "../../lib/encoding";
import { GenericHmacSchema } from "../source-config";
import { concatBytes, type HmacAlgorithm, hmacKey, hmacVerify } from "./hmac";
import { literalSecret } from "./literal-secret";
import { checkTimestamp } from "./timestamp";
import { type AuthScheme, DEFAULT_TOLERANCE_SECONDS } from "./types";

const HASHES: Record<string, HmacAlgorithm> = { sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" };

/**
 * A configurable HMAC for senders without a preset: algorithm, hex or base64, header name, optional
 * prefix, and the signed content as a template over `{timestamp}`, `{id}` and `{body}`. The body
 * placeholder is filled with the raw bytes, never a decoded string.
 */
export const genericHmac: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets, config) {
    const settings = GenericHmacSchema.parse(config.genericHmac ?? {});
    const header = request.headers.get(settings.header);
    if (!header) return { ok: false, code: "signature_missing", reason: `${settings.header} missing` };
    if (!header.startsWith(settings.prefix))
      return { ok: false, code: "signature_invalid", reason: "prefix mismatch" };
    const encoded = header.slice(settings.prefix.length).trim();
    const signature = settings.encoding === "hex" ? fromHex(encoded) : fromBase64Strict(encoded);
    if (!signature)
      return { ok: false, code: "signature_invalid", reason: `signature is not ${settings.encoding}` };

    let timestamp = "";
    if (settings.timestampHeader) {
      timestamp = request.headers.get(settings.timestampHeader) ?? "";
      const stale = checkTimestamp(
        timestamp,
        request.now,
        config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
      );
      if (stale) return stale;
    }
    const id = settings.idHeader ? (request.headers.get(settings.idHeader) ?? "") : "";
    const message = renderSignedContent(settings.signedContent, { timestamp, id }, request.body);
    const hash = HASHES[settings.algorithm] ?? "SHA-256";
    for (const secret of secrets) {
      if (await hmacVerify(await hmacKey(secret, hash), signature, message)) return { ok: true };
    }
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};

/** Fills `{timestamp}`/`{id}` as UTF-8 text and splices the raw body bytes in at `{body}`. */
function renderSignedContent(
  template: string,
  fields: { timestamp: string; id: string },
  body: Uint8Array,
): Uint8Array {
  const parts = template.split("{body}");
  const text = (s: string) =>
    utf8(s.replaceAll("{timestamp}", fields.timestamp).replaceAll("{id}", fields.id));
  const chunks: Uint8Array[] = [];
  parts.forEach((part, i) => {
    if (i > 0) chunks.push(body);
    chunks.push(text(part));
  });
  return concatBytes(...chunks);
}
