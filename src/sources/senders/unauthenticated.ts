import { mapGeneric } from "../../events/mapping/generic";
import { unauthenticated as auth } from "../auth/unauthenticated";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/** The benchmark's baseline without authentication; refused unless the deployment opts in. */
export const unauthenticated: Sender = {
  auth,
  mapper: mapGeneric,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
};
