import { ApiError } from "../../lib/errors";
import { parseJsonExact } from "../../lib/json";
import { jsonError } from "../decode";
import { contentCoding, decodeContent } from "../decompress";
import { readBody } from "../read-body";

/**
 * Reads a Segment-compatible request body as JSON, whatever its Content-Type: browser SDKs send
 * `text/plain` (to avoid a CORS preflight), RudderStack's Node SDK a gzip body labelled as a form.
 * A `Content-Encoding` (gzip, deflate) is removed as a stream with the limit applied to the decoded
 * bytes, so a small compressed body cannot expand past it. Integers beyond 2^53 keep their digits.
 * @param tooLarge the error for a body over `maxBytes` (Segment answers 400, not 413)
 * The JSON must be UTF-8 (RFC 8259 §8.1), decoded strictly.
 * @throws ApiError `tooLarge()`, `unsupported_media_type` (other encodings), `body_not_decodable`
 *   (corrupt compressed data, or bytes that are not UTF-8), `invalid_json`, `json_too_deep`
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-8.1
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  tooLarge: () => ApiError,
): Promise<unknown> {
  const coding = contentCoding(request.headers.get("content-encoding"));
  let bytes: Uint8Array;
  try {
    bytes = await decodeContent(await readBody(request, maxBytes), coding, maxBytes);
  } catch (error) {
    if (error instanceof ApiError && error.code === "payload_too_large") throw tooLarge();
    throw error;
  }
  let text: string;
  try {
    // The same rule as the webhook edge (decode.ts): bytes we cannot read faithfully are a 400, never
    // stored with U+FFFD in place of what the client meant.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("body_not_decodable", "The body is not valid UTF-8");
  }
  try {
    return parseJsonExact(text);
  } catch (error) {
    throw jsonError(error);
  }
}
