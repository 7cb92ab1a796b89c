import { mapGeneric } from "../../events/mapping/generic";
import { genericHmac as auth } from "../auth/generic-hmac";
import type { Sender } from "./types";

/**
 * Any sender that signs with an HMAC we have no preset for: the source's `genericHmac` settings say
 * how; its `idHeader`, when set, is also the retry-stable id. Payloads map with JSON paths.
 */
export const genericHmac: Sender = {
  auth,
  mapper: mapGeneric,
  idempotencyPreset: (config) => {
    const idHeader = config.genericHmac?.idHeader;
    return idHeader ? [[{ header: idHeader }]] : [];
  },
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "webhook",
};
