import { mapSegment } from "../../events/mapping/segment";
import { appWriteKey as auth } from "../auth/app-write-key";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/**
 * Apps and SDKs speaking the Segment Spec (POST /v1/batch and friends, src/routes/app), authenticated
 * with a write key. The app routes key each message by its `messageId` themselves.
 * @see https://segment.com/docs/connections/spec/common/
 */
export const app: Sender = {
  auth,
  mapper: mapSegment,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "write-key",
};
