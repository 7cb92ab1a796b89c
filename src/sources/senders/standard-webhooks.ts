import { mapGeneric } from "../../events/mapping/generic";
import { standardWebhooks as auth } from "../auth/standard-webhooks";
import type { IdempotencyPreset, Sender } from "./types";

// One list for every delivery (not rebuilt per call): the key derivation checks each list once.
const IDEMPOTENCY_PRESET: IdempotencyPreset = [[{ header: "webhook-id" }], [{ header: "svix-id" }]];

/**
 * Standard Webhooks (Svix and every sender that follows the spec): HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}` (or the same `svix-*` headers), JSON bodies, the id stable
 * across retries; payloads map with the source's JSON paths.
 * @see https://www.standardwebhooks.com/
 */
export const standardWebhooks: Sender = {
  auth,
  mapper: mapGeneric,
  // The verifier picks the header family by the same rule (auth/standard-webhooks.ts headerFamily), so
  // whichever id is read here is the signed one: `webhook-id`, else Svix's `svix-id`.
  idempotencyPreset: () => IDEMPOTENCY_PRESET,
  forwardedHeaders: ["webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp"],
  jsonOnly: true,
  ingress: "webhook",
};
