import { readCapped } from "../lib/bytes";
import { ApiError } from "../lib/errors";

/** Content codings we remove: `gzip` (and its alias `x-gzip`) and `deflate` (zlib). */
export type ContentCoding = "identity" | "gzip" | "deflate";

/**
 * The single content coding named by a `Content-Encoding` header (`identity` entries ignored). Checked
 * before the body is read, so an unsupported coding costs nothing.
 * @throws ApiError `unsupported_media_type` (415) for anything else, including stacked codings
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-8.4
 */
export function contentCoding(header: string | null): ContentCoding {
  if (header === null) return "identity";
  const codings = (header ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (codings.length === 0) return "identity";
  const [coding] = codings;
  if (codings.length === 1 && (coding === "gzip" || coding === "x-gzip")) return "gzip";
  if (codings.length === 1 && coding === "deflate") return "deflate";
  throw new ApiError("unsupported_media_type", "Content-Encoding must be gzip, deflate or identity", {
    headers: { "accept-encoding": "gzip, deflate" },
  });
}

/**
 * Removes `coding` from `body`, streaming, and stops as soon as the output passes `maxBytes`, so a
 * small compressed "bomb" never inflates in memory.
 * @throws ApiError `payload_too_large` (decoded size over the cap), `body_not_decodable` (corrupt data)
 */
export async function decodeContent(
  body: Uint8Array,
  coding: ContentCoding,
  maxBytes: number,
): Promise<Uint8Array> {
  if (coding === "identity") return body;
  const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream(coding));
  let decoded: Uint8Array | null;
  try {
    decoded = await readCapped(stream, maxBytes);
  } catch {
    throw new ApiError("body_not_decodable", `The body is not valid ${coding} data`);
  }
  if (decoded === null)
    throw new ApiError(
      "payload_too_large",
      `The decoded body exceeds this source's limit of ${maxBytes} bytes`,
    );
  return decoded;
}
