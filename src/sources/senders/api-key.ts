import { mapGeneric } from "../../events/mapping/generic";
import { apiKey as auth } from "../auth/api-key";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/**
 * A sender that authenticates with an API key in a header (X-API-Key by default) instead of a signature. The scheme says nothing about the
 * payload: its sources map with JSON paths and key deliveries by their body's hash unless configured.
 */
export const apiKey: Sender = {
  auth,
  mapper: mapGeneric,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
};
