import { mapRecord } from "../../events/mapping/record";
import { apiKey } from "../auth/api-key";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/**
 * A REST API the gateway polls (src/pull): records are keyed by id and change time when pulled
 * (src/pull/record-envelope.ts). Files may also be uploaded to it, authenticated with its API key.
 */
export const restPoll: Sender = {
  auth: apiKey,
  mapper: mapRecord,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "poll",
  acceptsFiles: true,
};
