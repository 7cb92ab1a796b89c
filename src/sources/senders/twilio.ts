import { mapTwilio } from "../../events/mapping/twilio";
import { twilio as auth } from "../auth/twilio";
import type { IdempotencyPreset, Sender } from "./types";

// One list for every delivery (not rebuilt per call): the key derivation checks each list once.
const IDEMPOTENCY_PRESET: IdempotencyPreset = [[{ header: "i-twilio-idempotency-token" }]];

/**
 * Twilio webhooks: `X-Twilio-Signature` over the URL and form parameters (or the body's hash for
 * JSON), and `I-Twilio-Idempotency-Token` stable across retries.
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
 */
export const twilio: Sender = {
  auth,
  mapper: mapTwilio,
  idempotencyPreset: () => IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
};
