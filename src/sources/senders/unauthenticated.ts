import { mapGeneric } from "../../events/mapping/generic";
import { disabled as auth } from "../auth/disabled";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/**
 * The benchmark's baseline without authentication (it measures the route minus verification). The
 * production build refuses to create such a source and refuses its deliveries; bench/worker.ts, the
 * bench-only entry module, overrides this sender with one that accepts.
 */
export const unauthenticated: Sender = {
  auth,
  mapper: mapGeneric,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
  disabled: true,
};
