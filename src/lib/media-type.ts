/**
 * True for `application/json`, `*+json`, and a missing Content-Type (JSON is the default).
 * The edge (decode, idempotency key) and the queue consumer (mapping) must agree on what is JSON:
 * otherwise a re-labelled copy of a signed delivery gets a different idempotency key at the edge and
 * is still mapped by the consumer, storing a second event.
 * @see https://www.rfc-editor.org/rfc/rfc6839#section-3.1 (the +json suffix)
 */
export function isJsonMediaType(contentType: string | null | undefined): boolean {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return mediaType === "" || mediaType === "application/json" || mediaType.endsWith("+json");
}
