import { sha256Hex } from "../lib/encoding";
import type { SourceType } from "./source-config";

/**
 * Derives a delivery's idempotency key: the sender's own delivery/event id where the source type has
 * one (Standard Webhooks `webhook-id`, GitHub `X-GitHub-Delivery`, Shopify `X-Shopify-Webhook-Id`,
 * Stripe event `id`), else `sha256:<hex>` of the raw body. Keys are namespaced by the source later.
 */
export async function idempotencyKeyFor(
  type: SourceType,
  headers: Headers,
  payload: unknown,
  body: Uint8Array,
): Promise<string> {
  const preset = presetKey(type, headers, payload);
  if (preset) return preset;
  return `sha256:${await sha256Hex(body)}`;
}

function presetKey(type: SourceType, headers: Headers, payload: unknown): string | null {
  switch (type) {
    case "standard-webhooks":
      return headers.get("webhook-id");
    case "github":
      return headers.get("x-github-delivery");
    case "shopify":
      return headers.get("x-shopify-webhook-id") ?? headers.get("x-shopify-event-id");
    case "stripe": {
      const id = (payload as { id?: unknown } | null)?.id;
      return typeof id === "string" && id.length > 0 ? id : null;
    }
    default:
      return null;
  }
}
