import { mapShopify } from "../../events/mapping/shopify";
import { shopify as auth } from "../auth/shopify";
import type { IdempotencyPreset, Sender } from "./types";

// One list for every delivery (not rebuilt per call): the key derivation checks each list once.
const IDEMPOTENCY_PRESET: IdempotencyPreset = [
  [{ header: "x-shopify-event-id" }],
  [{ header: "x-shopify-webhook-id" }],
];

/**
 * Shopify webhooks: `X-Shopify-Hmac-Sha256`, the topic and trigger time in headers, and
 * `X-Shopify-Event-Id` (else `X-Shopify-Webhook-Id`) stable across retries.
 * @see https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates
 */
export const shopify: Sender = {
  auth,
  mapper: mapShopify,
  idempotencyPreset: () => IDEMPOTENCY_PRESET,
  forwardedHeaders: [
    "x-shopify-topic",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "x-shopify-triggered-at",
  ],
  jsonOnly: true,
  ingress: "webhook",
};
