/**
 * Why a message ended in the dead letters, as a stable code operators can filter and replay by:
 * - `source_deleted`: its source no longer exists
 * - `payload_missing`: the out-of-band body (R2) is gone
 * - `payload_invalid`: the body does not parse
 * - `mapping_failed`: the source type's mapping threw or does not exist
 * - `unprocessable`: another permanent failure (e.g. a payload the mapping refuses)
 * - `message_invalid`: not a message the pipeline knows
 * - `retries_exhausted`: a retryable failure outlasted INGEST_MAX_RETRIES (the detail is the last error)
 * - `queue_retry_limit`: Queues moved it after its own retry limit, so our consumer could not say why
 */
export const DEAD_LETTER_REASONS = [
  "source_deleted",
  "payload_missing",
  "payload_invalid",
  "mapping_failed",
  "unprocessable",
  "message_invalid",
  "retries_exhausted",
  "queue_retry_limit",
] as const;

/** One of {@link DEAD_LETTER_REASONS}. */
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/**
 * A failure that retrying cannot fix (unparseable payload, deleted source): the message goes to the
 * dead letters at once instead of using up its retries.
 */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly reason: DeadLetterReason = "unprocessable",
  ) {
    super(message);
    this.name = "PermanentError";
  }
}

/** A short, log-safe description of an error (messages only: never a stack, body or secret). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 500);
}
