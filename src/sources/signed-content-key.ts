import { sha256Hex } from "../lib/encoding";
import { sortedParams } from "./auth/twilio";
import type { Source } from "./store";

/**
 * Senders whose signature covers neither a timestamp nor a delivery id: GitHub and Shopify sign the
 * body only, Twilio the URL and the form parameters. Their delivery ids (`X-GitHub-Delivery`,
 * `X-Shopify-Webhook-Id`, `I-Twilio-Idempotency-Token`) are unsigned headers, so an idempotency key
 * read from them lets a captured delivery be stored again under a new id.
 */
export const UNSIGNED_ID_SOURCE_TYPES: ReadonlySet<string> = new Set(["github", "shopify", "twilio"]);

/**
 * The idempotency key of a delivery from an {@link UNSIGNED_ID_SOURCE_TYPES} source: `signed-sha256:`
 * and the SHA-256 hex of what the signature covers, so every copy that still verifies (a sender's
 * retry, or a replay with changed unsigned headers) has the same key and is a duplicate for as long as
 * the stored event is kept. GitHub, Shopify: the body. Twilio: the URL's origin and path, its query
 * parameters and the form parameters, each sorted by name then value with equal values once, as
 * Twilio signs them, so re-ordered or repeated parameters are the same delivery (a JSON body is bound
 * through `bodySHA256` in the query). Null for other types, or when the operator configured
 * `idempotencyKey` (refused at creation when it reads an unsigned header: config-checks.ts).
 * Two genuinely distinct deliveries with byte-identical signed content count as one: without a signed
 * id or timestamp they cannot be told from a replay.
 */
export function signedContentKey(source: Source, request: Request, body: Uint8Array): Promise<string> | null {
  // Null at once (no promise) for every other sender: the accepted path of most sources awaits nothing here.
  if (!UNSIGNED_ID_SOURCE_TYPES.has(source.type) || source.config.idempotencyKey) return null;
  return digestOfSigned(source, request.url, body);
}

async function digestOfSigned(source: Source, requestUrl: string, body: Uint8Array): Promise<string> {
  if (source.type !== "twilio") return `signed-sha256:${await sha256Hex(body)}`;
  const url = new URL(requestUrl);
  const isForm = !url.searchParams.has("bodySHA256");
  const form = isForm ? sortedParams(new URLSearchParams(new TextDecoder().decode(body))) : "";
  const canonical = JSON.stringify([url.origin + url.pathname, sortedParams(url.searchParams), form]);
  return `signed-sha256:${await sha256Hex(canonical)}`;
}
