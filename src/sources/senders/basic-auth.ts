import { mapGeneric } from "../../events/mapping/generic";
import { basicAuth as auth } from "../auth/basic-auth";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/**
 * A sender that authenticates with HTTP Basic credentials (RFC 7617) instead of a signature. The scheme says nothing about the
 * payload: its sources map with JSON paths and key deliveries by their body's hash unless configured.
 */
export const basicAuth: Sender = {
  auth,
  mapper: mapGeneric,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
};
