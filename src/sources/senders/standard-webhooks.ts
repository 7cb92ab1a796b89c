import { mapGeneric } from "../../events/mapping/generic";
import { standardWebhooks as auth } from "../auth/standard-webhooks";
import type { Sender } from "./types";

/**
 * Standard Webhooks (Svix and every sender that follows the spec): HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`, JSON bodies, `webhook-id` stable across retries; payloads
 * map with the source's JSON paths.
 * @see https://www.standardwebhooks.com/
 */
export const standardWebhooks: Sender = {
  auth,
  mapper: mapGeneric,
  idempotencyPreset: () => [[{ header: "webhook-id" }]],
  forwardedHeaders: ["webhook-id", "webhook-timestamp"],
  jsonOnly: true,
};
