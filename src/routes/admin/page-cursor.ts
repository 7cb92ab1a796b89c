import { z } from "@hono/zod-openapi";
import { fromBase64Strict, toBase64, utf8 } from "../../lib/encoding";
import { ApiError } from "../../lib/errors";

/** `cursor` query parameter of keyset-paginated lists. */
export const CursorQuerySchema = z
  .string()
  .min(1)
  .max(2000)
  .optional()
  .openapi({ description: "`nextCursor` of the previous page" });

/** A keyset position: the sort columns of the last row of a page, e.g. `[createdAt, id]`. */
export type KeysetPosition = [number | string, string];

/**
 * Encodes a keyset position as an opaque cursor: base64url of its UTF-8 JSON, so identifier values of
 * any script survive and it needs no escaping in a URL (RFC 4648 §5).
 */
export function encodePosition(position: KeysetPosition | null): string | null {
  if (!position) return null;
  return toBase64(utf8(JSON.stringify(position)))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

/** Decodes {@link encodePosition}'s output. @throws ApiError `validation_failed` on anything else */
export function decodePosition(cursor: string | undefined): KeysetPosition | undefined {
  if (cursor === undefined) return undefined;
  const b64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = fromBase64Strict(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  try {
    const value = bytes && (JSON.parse(new TextDecoder().decode(bytes)) as unknown);
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (typeof value[0] === "number" || typeof value[0] === "string") &&
      typeof value[1] === "string"
    )
      return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new ApiError("validation_failed", "cursor: not a cursor from a previous page");
}
