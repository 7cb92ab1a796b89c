import { mapStripe } from "../../events/mapping/stripe";
import { stripe as auth } from "../auth/stripe";
import type { IdempotencyPreset, Sender } from "./types";

// One list for every delivery (not rebuilt per call): the key derivation checks each list once.
const IDEMPOTENCY_PRESET: IdempotencyPreset = [[{ path: "$.id" }]];

/**
 * Stripe webhooks: `Stripe-Signature`, JSON events whose `id` is stable across retries.
 * @see https://docs.stripe.com/webhooks#handle-duplicate-events
 */
export const stripe: Sender = {
  auth,
  mapper: mapStripe,
  idempotencyPreset: () => IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: true,
  ingress: "webhook",
};
