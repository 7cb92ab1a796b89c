import { concatBytes } from "../../lib/bytes";
import { fromBase64Strict, fromHex, utf8 } from "../../lib/encoding";
import { GenericHmacSchema } from "../config";
import { anyHmacMatches, type HmacAlgorithm } from "./hmac";
import { literalSecret } from "./literal-secret";
import { checkTimestamp } from "./timestamp";
import { type AuthScheme, DEFAULT_TOLERANCE_SECONDS } from "./types";

const HASHES: Record<"sha1" | "sha256" | "sha512", HmacAlgorithm> = {
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha512: "SHA-512",
};

/**
 * A configurable HMAC for senders without a preset: algorithm (sha1/sha256/sha512), hex or base64,
 * header name, optional prefix, optional separator for several signatures in one header, and the
 * signed content as a template over `{timestamp}`, `{id}` and `{body}`. The body placeholder is filled
 * with the raw bytes, never a decoded string. With a timestamp header, the timestamp is checked against
 * the source's tolerance in both directions.
 */
export const genericHmac: AuthScheme = {
  prepareSecret: literalSecret,

  async verify(request, secrets, config) {
    const settings = GenericHmacSchema.parse(config.genericHmac ?? {});
    const header = request.headers.get(settings.header);
    if (!header) return { ok: false, code: "signature_missing", reason: `${settings.header} missing` };
    const entries = settings.signatureSeparator ? header.split(settings.signatureSeparator) : [header];
    const signatures: Uint8Array[] = [];
    for (const entry of entries) {
      const value = entry.trim();
      if (!value.startsWith(settings.prefix)) continue;
      const encoded = value.slice(settings.prefix.length);
      const bytes = settings.encoding === "hex" ? fromHex(encoded) : fromBase64Strict(encoded);
      if (bytes) signatures.push(bytes);
    }
    if (signatures.length === 0)
      return {
        ok: false,
        code: "signature_invalid",
        reason: `no ${settings.encoding} signature with the configured prefix`,
      };

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
    let id = "";
    if (settings.idHeader) {
      id = request.headers.get(settings.idHeader) ?? "";
      if (!id) return { ok: false, code: "signature_missing", reason: `${settings.idHeader} missing` };
    }
    const message = renderSignedContent(settings.signedContent, { timestamp, id }, request.body);
    if (await anyHmacMatches(secrets, HASHES[settings.algorithm], signatures, message)) return { ok: true };
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};

/** Fills `{timestamp}`/`{id}` as UTF-8 text and splices the raw body bytes in at `{body}`. */
function renderSignedContent(
  template: string,
  fields: { timestamp: string; id: string },
  body: Uint8Array,
): Uint8Array {
  const text = (s: string) =>
    utf8(s.replaceAll("{timestamp}", fields.timestamp).replaceAll("{id}", fields.id));
  const chunks: Uint8Array[] = [];
  template.split("{body}").forEach((part, i) => {
    if (i > 0) chunks.push(body);
    chunks.push(text(part));
  });
  return concatBytes(...chunks);
}
