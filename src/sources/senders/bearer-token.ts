import { mapGeneric } from "../../events/mapping/generic";
import { bearerToken as auth } from "../auth/bearer-token";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/**
 * A sender that authenticates with a bearer token (RFC 6750) instead of a signature. The scheme says nothing about the
 * payload: its sources map with JSON paths and key deliveries by their body's hash unless configured.
 */
export const bearerToken: Sender = {
  auth,
  mapper: mapGeneric,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
};
