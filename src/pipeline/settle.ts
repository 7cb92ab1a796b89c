import { type DeadLetterMessage, recordDeadLetter } from "../deliveries/dead-letters";
import { retryDelaySeconds } from "../lib/backoff";
import type { Env } from "../lib/env";
import { describeError, PermanentError } from "../lib/failure";
import { log } from "../lib/log";
import { countDisposition } from "../observability/counts";
import { RetryLater } from "./fetch-on-notify";

/**
 * Settles a message whose processing failed. A permanent failure, or a retryable one on the last
 * attempt (`attempts > maxRetries`), goes to the dead-letter queue wrapped with its reason and attempt
 * count, then the message is acked. Otherwise it is retried after {@link retryDelaySeconds}.
 *
 * Why not let Queues move it: Queues moves only the bare message, so the dead letter could not say why.
 * If the dead-letter queue refuses, the dead letter is written to D1 directly; if that fails too, the
 * message is retried, and Queues' own dead-letter path (max_retries in wrangler.toml) is the backstop.
 * Nothing is acked before it is in one of those places.
 */
export async function settleFailure(
  env: Pick<Env, "DB" | "DEAD_LETTER_QUEUE">,
  message: Message<unknown>,
  error: unknown,
  maxRetries: number,
  now = Date.now(),
): Promise<"retried" | "dead_lettered"> {
  const detail = describeError(error);
  const permanent = error instanceof PermanentError;
  if (permanent || message.attempts > maxRetries) {
    const deadLetter: DeadLetterMessage = {
      kind: "dead-letter",
      v: 1,
      reason: permanent ? error.reason : "retries_exhausted",
      detail,
      attempts: message.attempts,
      failedAt: now,
      message: message.body,
    };
    const body = message.body as { workspace?: unknown; sourceId?: unknown } | null;
    const labels = {
      workspace: typeof body?.workspace === "string" ? body.workspace : undefined,
      source: typeof body?.sourceId === "string" ? body.sourceId : "unknown",
    };
    try {
      await env.DEAD_LETTER_QUEUE.send(deadLetter, { contentType: "json" });
      message.ack();
      countDisposition(labels, `dead_lettered:${deadLetter.reason}`);
      return "dead_lettered";
    } catch (queueError) {
      log.error("dead_letter_queue_failed", { error: describeError(queueError) });
      try {
        await recordDeadLetter(env.DB, deadLetter);
        message.ack();
        countDisposition(labels, `dead_lettered:${deadLetter.reason}`);
        return "dead_lettered";
      } catch (storeError) {
        log.error("dead_letter_store_failed", { error: describeError(storeError) });
      }
    }
  }
  // Fetch-on-notify knows when the source allows the next call (rate budget, Retry-After).
  const delaySeconds = error instanceof RetryLater ? error.delaySeconds : retryDelaySeconds(message.attempts);
  log.warn("message_retry", {
    deliveryId: (message.body as { deliveryId?: unknown } | null)?.deliveryId,
    attempts: message.attempts,
    delaySeconds,
    reason: detail,
  });
  message.retry({ delaySeconds });
  return "retried";
}
