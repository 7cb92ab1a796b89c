import { mapGitHub } from "../../events/mapping/github";
import { github as auth } from "../auth/github";
import type { Sender } from "./types";

/**
 * GitHub webhooks: `X-Hub-Signature-256`, the event name in `X-GitHub-Event`, and `X-GitHub-Delivery`
 * kept on redelivery. Not JSON-only: its documented test vector signs a plain-text body.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
 */
export const github: Sender = {
  auth,
  mapper: mapGitHub,
  idempotencyPreset: () => [[{ header: "x-github-delivery" }]],
  forwardedHeaders: ["x-github-event", "x-github-delivery"],
  jsonOnly: false,
  ingress: "webhook",
};
