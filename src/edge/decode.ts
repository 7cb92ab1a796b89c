import { ApiError } from "../lib/errors";
import { JsonTooDeepError, parseJsonExact } from "../lib/json";
import { isJsonMediaType } from "../lib/media-type";

/**
 * Decodes verified body bytes to text with the Content-Type charset (UTF-8 by default; a BOM is
 * removed) and checks that a JSON body parses. Bytes that are not valid in the declared charset are a
 * 400, not replacement characters: a body we cannot read faithfully is not stored. Returns the text
 * and the parsed JSON (undefined for non-JSON media types such as form bodies), parsed with the
 * consumer's parser so that a body accepted here always parses there, with exact big integers.
 * With `jsonOnly`, a media type other than JSON is refused before anything else. A JSON body must be
 * an object: `null`, an array or a bare value names no event (no sender we support posts a top-level
 * batch array), and would otherwise be stored as an event of nothing.
 * @throws ApiError `unsupported_media_type` (unknown charset, or not JSON when `jsonOnly`),
 *   `body_not_decodable`, `invalid_json`, `json_too_deep`, `json_not_object`
 * @see https://encoding.spec.whatwg.org/#names-and-labels
 */
export function decodeBody(
  body: Uint8Array,
  contentType: string | null,
  options: { jsonOnly?: boolean } = {},
): { text: string; json: unknown } {
  if (options.jsonOnly && !isJsonMediaType(contentType)) {
    throw new ApiError(
      "unsupported_media_type",
      "This source's sender posts JSON: send Content-Type application/json",
    );
  }
  const charset =
    (contentType?.includes(";") && /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1]) || "utf-8";
  const decoder = decoderFor(charset);
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new ApiError("body_not_decodable", `The body is not valid ${decoder.encoding}`);
  }
  if (!isJsonMediaType(contentType)) return { text, json: undefined };
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (error) {
    throw jsonError(error);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new ApiError(
      "json_not_object",
      `The body is ${json === null ? "null" : Array.isArray(json) ? "an array" : `a ${typeof json}`}: send one JSON object per delivery`,
    );
  return { text, json };
}

/**
 * Fatal decoders by charset label (lower case), built once per isolate: a TextDecoder holds no state
 * between non-streaming `decode` calls, and building one cost about as much as the rest of decoding.
 * Only labels the Encoding Standard knows get here (a few hundred at most), so the map stays small.
 */
const decoders = new Map<string, TextDecoder>();

function decoderFor(charset: string): TextDecoder {
  const label = charset.toLowerCase();
  let decoder = decoders.get(label);
  if (decoder) return decoder;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
  } catch {
    throw new ApiError(
      "unsupported_media_type",
      `Unsupported charset ${JSON.stringify(charset.slice(0, 40))}`,
    );
  }
  decoders.set(label, decoder);
  return decoder;
}

/**
 * The 400 for a body {@link parseJsonExact} refused: `json_too_deep` or `invalid_json`.
 */
export function jsonError(error: unknown): ApiError {
  if (error instanceof JsonTooDeepError) return new ApiError("json_too_deep", error.message);
  return new ApiError("invalid_json", "The body is not valid JSON");
}
