import { mapGitHub } from "../../events/mapping/github";
import { github as auth } from "../auth/github";
import type { IdempotencyPreset, Sender } from "./types";

// One list for every delivery (not rebuilt per call): the key derivation checks each list once.
const IDEMPOTENCY_PRESET: IdempotencyPreset = [[{ header: "x-github-delivery" }]];

/**
 * GitHub webhooks: `X-Hub-Signature-256`, the event name in `X-GitHub-Event`, and `X-GitHub-Delivery`
 * kept on redelivery. Not JSON-only: its documented test vector signs a plain-text body.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
 */
export const github: Sender = {
  auth,
  mapper: mapGitHub,
  idempotencyPreset: () => IDEMPOTENCY_PRESET,
  forwardedHeaders: ["x-github-event", "x-github-delivery"],
  jsonOnly: false,
  ingress: "webhook",
};
