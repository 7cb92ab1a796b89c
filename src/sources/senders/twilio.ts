import { mapTwilio } from "../../events/mapping/twilio";
import { twilio as auth } from "../auth/twilio";
import type { Sender } from "./types";

/**
 * Twilio webhooks: `X-Twilio-Signature` over the URL and form parameters (or the body's hash for
 * JSON), and `I-Twilio-Idempotency-Token` stable across retries.
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
 */
export const twilio: Sender = {
  auth,
  mapper: mapTwilio,
  idempotencyPreset: () => [[{ header: "i-twilio-idempotency-token" }]],
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
};
