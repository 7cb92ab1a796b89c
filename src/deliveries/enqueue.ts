import type { Env } from "../lib/env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { countDisposition } from "../observability/counts";
import type { DeliveryEnvelope, QueueMessage } from "./envelope";
import { messageBytes, PER_MESSAGE_OVERHEAD_BYTES, sendInBatches } from "./send-in-batches";

/** Name of the ingest queue (wrangler.toml), whose batches the pipeline consumes. */
export const INGEST_QUEUE_NAME = "tributary-ingest";

/** Seconds before the messages of a batch from a queue this Worker does not know are delivered again. */
export const UNKNOWN_QUEUE_RETRY_SECONDS = 300;

/**
 * Largest serialized envelope sent inline, bytes. Over it the body goes to R2. Measured on the
 * serialized message, not the body: JSON escaping can double a body full of quotes or newlines.
 */
export const MAX_INLINE_MESSAGE_BYTES = 100_000;

/** Seconds a sender is told to wait when the queue refuses (Retry-After). */
export const QUEUE_RETRY_AFTER_SECONDS = 5;

/** R2 key of a delivery body stored out of band. */
export function payloadKey(envelope: Pick<DeliveryEnvelope, "sourceId" | "deliveryId">): string {
  return `payloads/${envelope.sourceId}/${envelope.deliveryId}`;
}

/**
 * The queue message for an envelope: the envelope itself, or (when its serialized size is over
 * {@link MAX_INLINE_MESSAGE_BYTES}) a copy whose body was stored in R2 and which carries `bodyRef`.
 * @throws R2 errors (the caller answers 503)
 */
export async function toQueueMessage(
  env: Pick<Env, "PAYLOADS">,
  envelope: DeliveryEnvelope,
): Promise<QueueMessage> {
  if (envelope.body === undefined) return envelope;
  if (messageBytes(envelope) + PER_MESSAGE_OVERHEAD_BYTES <= MAX_INLINE_MESSAGE_BYTES) return envelope;
  const bodyRef = payloadKey(envelope);
  await env.PAYLOADS.put(bodyRef, envelope.body);
  return { ...envelope, body: undefined, bodyRef };
}

/**
 * Puts an accepted delivery on the ingest queue (large bodies out of band, see {@link toQueueMessage}).
 * When the queue or R2 refuses, answers 503 with Retry-After so the sender retries: a 2xx only ever
 * follows a successful send (invariant 1). A body already put in R2 for a refused send is removed.
 * @throws ApiError `queue_unavailable` (503, Retry-After)
 */
export async function enqueueDelivery(env: Env, envelope: DeliveryEnvelope): Promise<void> {
  let message: QueueMessage | undefined;
  try {
    message = await toQueueMessage(env, envelope);
    await env.INGEST_QUEUE.send(message, { contentType: "json" });
    countDisposition({ workspace: envelope.workspace, source: envelope.sourceId }, "accepted");
  } catch (error) {
    log.warn("queue_send_failed", {
      sourceId: envelope.sourceId,
      deliveryId: envelope.deliveryId,
      stage: message ? "queue" : "payload_store",
      error: String(error).slice(0, 200),
    });
    if (message?.bodyRef) await env.PAYLOADS.delete(message.bodyRef).catch(() => undefined);
    throw queueUnavailable();
  }
}

/**
 * Puts many envelopes on the ingest queue (CSV imports, poll pages, replays): large bodies out of
 * band, then {@link sendInBatches} so no `sendBatch` exceeds the platform limits.
 * @throws MessageTooLargeError, QueueSendError (with how many were sent), R2 errors
 */
export async function enqueueDeliveries(env: Env, envelopes: readonly DeliveryEnvelope[]): Promise<number> {
  const messages = await Promise.all(envelopes.map((e) => toQueueMessage(env, e)));
  const sent = await sendInBatches(env.INGEST_QUEUE, messages);
  for (const e of envelopes) countDisposition({ workspace: e.workspace, source: e.sourceId }, "accepted");
  return sent;
}

/** The 503 a sender gets when we cannot buffer its delivery: retry after {@link QUEUE_RETRY_AFTER_SECONDS}. */
export function queueUnavailable(): ApiError {
  return new ApiError("queue_unavailable", "The gateway cannot buffer this delivery right now; retry later", {
    headers: { "retry-after": String(QUEUE_RETRY_AFTER_SECONDS) },
  });
}
