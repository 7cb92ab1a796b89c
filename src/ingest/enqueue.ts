import type { Env } from "../lib/env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import type { QueueMessage, WebhookEnvelope } from "./envelope";

/** Cloudflare Queues' per-message limit is 128 KB; keep headroom for the envelope's own fields. */
export const MAX_INLINE_BODY_BYTES = 96 * 1024;

/**
 * Puts an accepted delivery on the ingest queue. Bodies too large for one queue message go to R2 and
 * the message carries `bodyRef` instead (C16). When the queue refuses, answers 503 with Retry-After so
 * the sender retries: a 2xx only ever follows a successful send (invariant 1).
 * @throws ApiError `queue_unavailable`
 */
export async function enqueueDelivery(env: Env, envelope: WebhookEnvelope): Promise<void> {
  let message: QueueMessage = envelope;
  const body = envelope.body ?? "";
  if (new TextEncoder().encode(body).length > MAX_INLINE_BODY_BYTES) {
    const bodyRef = `payloads/${envelope.sourceId}/${envelope.deliveryId}`;
    await env.PAYLOADS.put(bodyRef, body);
    message = { ...envelope, body: undefined, bodyRef };
  }
  try {
    await env.INGEST_QUEUE.send(message, { contentType: "json" });
  } catch (error) {
    log.warn("queue_send_failed", {
      sourceId: envelope.sourceId,
      deliveryId: envelope.deliveryId,
      error: String(error),
    });
    throw new ApiError("queue_unavailable", "The gateway is buffering too much; retry later", {
      headers: { "retry-after": "5" },
    });
  }
}
