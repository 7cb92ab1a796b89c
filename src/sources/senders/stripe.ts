import { mapStripe } from "../../events/mapping/stripe";
import { stripe as auth } from "../auth/stripe";
import type { Sender } from "./types";

/**
 * Stripe webhooks: `Stripe-Signature`, JSON events whose `id` is stable across retries.
 * @see https://docs.stripe.com/webhooks#handle-duplicate-events
 */
export const stripe: Sender = {
  auth,
  mapper: mapStripe,
  idempotencyPreset: () => [[{ path: "$.id" }]],
  forwardedHeaders: [],
  jsonOnly: true,
  ingress: "webhook",
};
