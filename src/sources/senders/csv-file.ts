import { mapRecord } from "../../events/mapping/record";
import { apiKey } from "../auth/api-key";
import { NO_IDEMPOTENCY_PRESET, type Sender } from "./types";

/**
 * CSV files uploaded with the source's API key (POST /v1/sources/{id}/files) or fetched over SFTP;
 * each row is a record (src/pull/csv), keyed like a pulled record.
 */
export const csvFile: Sender = {
  auth: apiKey,
  mapper: mapRecord,
  idempotencyPreset: NO_IDEMPOTENCY_PRESET,
  forwardedHeaders: [],
  jsonOnly: false,
  ingress: "file",
  acceptsFiles: true,
};
