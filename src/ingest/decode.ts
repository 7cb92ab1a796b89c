import { ApiError } from "../lib/errors";

/**
 * Decodes verified body bytes to text using the Content-Type charset (UTF-8 by default), and checks
 * that a JSON body parses. Returns the text and the parsed JSON (or undefined for non-JSON bodies).
 * @throws ApiError `unsupported_media_type` (unknown charset), `invalid_json`
 */
export function decodeBody(body: Uint8Array, contentType: string | null): { text: string; json: unknown } {
  const charset = /charset="?([^";\s]+)"?/i.exec(contentType ?? "")?.[1] ?? "utf-8";
  let text: string;
  try {
    text = new TextDecoder(charset, { fatal: false, ignoreBOM: false }).decode(body);
  } catch {
    throw new ApiError(
      "unsupported_media_type",
      `Unsupported charset ${JSON.stringify(charset.slice(0, 40))}`,
    );
  }
  const mediaType = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
  const isJson = mediaType === "application/json" || mediaType.endsWith("+json") || mediaType === "";
  if (!isJson) return { text, json: undefined };
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    throw new ApiError("invalid_json", "The body is not valid JSON");
  }
}
