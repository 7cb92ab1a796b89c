import { mapSlack } from "../../events/mapping/slack";
import { slack as auth } from "../auth/slack";
import { slackChallenge } from "../handshakes";
import type { IdempotencyPreset, Sender } from "./types";

// One list for every delivery (not rebuilt per call): the key derivation checks each list once.
const IDEMPOTENCY_PRESET: IdempotencyPreset = [[{ path: "$.event_id" }]];

/**
 * Slack's Events API and interactivity: `X-Slack-Signature` over `v0:{timestamp}:{body}`, `event_id`
 * stable across retries, and the `url_verification` handshake answered in band.
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 * @see https://api.slack.com/apis/events-api#retries
 */
export const slack: Sender = {
  auth,
  mapper: mapSlack,
  idempotencyPreset: () => IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
  handshake: slackChallenge,
};
