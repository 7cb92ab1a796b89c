import { mapShopify } from "../../events/mapping/shopify";
import { shopify as auth } from "../auth/shopify";
import type { Sender } from "./types";

/**
 * Shopify webhooks: `X-Shopify-Hmac-Sha256`, the topic and trigger time in headers, and
 * `X-Shopify-Event-Id` (else `X-Shopify-Webhook-Id`) stable across retries.
 * @see https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates
 */
export const shopify: Sender = {
  auth,
  mapper: mapShopify,
  idempotencyPreset: () => [[{ header: "x-shopify-event-id" }], [{ header: "x-shopify-webhook-id" }]],
  forwardedHeaders: [
    "x-shopify-topic",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "x-shopify-triggered-at",
  ],
  jsonOnly: true,
  ingress: "webhook",
};
