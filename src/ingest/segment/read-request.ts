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
 * @throws ApiError `tooLarge()`, `unsupported_media_type` (other encodings), `body_not_decodable`
 *   (corrupt compressed data), `invalid_json`, `json_too_deep`
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
  try {
    return parseJsonExact(new TextDecoder("utf-8").decode(bytes));
  } catch (error) {
    throw jsonError(error);
  }
}
