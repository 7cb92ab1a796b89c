import { utf8Length } from "../lib/encoding";

/**
 * Cloudflare Queues limits on what a producer sends: messages per `sendBatch`, bytes per batch and per
 * message (decimal KB, as the platform counts them: "batch size of 291898 bytes exceeds limit of 256000").
 * @see https://developers.cloudflare.com/queues/platform/limits/
 */
export interface QueueLimits {
  maxBatchMessages: number;
  maxBatchBytes: number;
  maxMessageBytes: number;
}

/** The platform's limits. */
export const QUEUE_LIMITS: Readonly<QueueLimits> = {
  maxBatchMessages: 100,
  maxBatchBytes: 256_000,
  maxMessageBytes: 128_000,
};

/**
 * Bytes counted per message on top of its JSON body. The platform adds its own metadata to each message
 * and does not publish the exact figure, so we reserve generously rather than hit the limit by a few bytes.
 */
export const PER_MESSAGE_OVERHEAD_BYTES = 512;

/** Share of the batch byte limit we fill at most, for the same reason. */
const BATCH_FILL = 0.9;

/** Serialized size of a message body sent with `contentType: "json"`, in bytes (UTF-8 of its JSON). */
export function messageBytes(body: unknown): number {
  return utf8Length(JSON.stringify(body));
}

/** A message that cannot go on a queue at all: the caller must store it out of band first. */
export class MessageTooLargeError extends Error {
  constructor(
    readonly index: number,
    readonly bytes: number,
  ) {
    super(`message ${index} is ${bytes} bytes serialized, over the queue's per-message limit`);
  }
}

/** A `sendBatch` failed; the first `sent` messages (in input order) were sent, the rest were not. */
export class QueueSendError extends Error {
  constructor(
    readonly sent: number,
    cause: unknown,
  ) {
    super(`queue refused a batch after ${sent} messages were sent: ${String(cause)}`, { cause });
  }
}

/**
 * Splits messages, in order, into batches that respect the count limit and the byte limit (with the
 * per-message overhead and a 10% headroom). Returns arrays of input indices.
 * @throws MessageTooLargeError when one message alone exceeds the per-message limit
 */
export function planBatches(bodies: readonly unknown[], limits: QueueLimits = QUEUE_LIMITS): number[][] {
  const budget = Math.floor(limits.maxBatchBytes * BATCH_FILL);
  const batches: number[][] = [];
  let current: number[] = [];
  let currentBytes = 0;
  bodies.forEach((body, index) => {
    const bytes = messageBytes(body) + PER_MESSAGE_OVERHEAD_BYTES;
    if (bytes > limits.maxMessageBytes) throw new MessageTooLargeError(index, bytes);
    if (current.length > 0 && (current.length >= limits.maxBatchMessages || currentBytes + bytes > budget)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(index);
    currentBytes += bytes;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Sends any number of messages to a queue with as few `sendBatch` calls as the limits allow (one
 * oversized `sendBatch` fails as a whole). Batches go one after another, in input order, so a
 * failure leaves a clean prefix sent. Every message is sent as `contentType: "json"`.
 * @returns the number of `sendBatch` calls made
 * @throws MessageTooLargeError before anything is sent, when a message is over the per-message limit
 * @throws QueueSendError when the queue refuses a batch (carries how many messages were sent before)
 */
export async function sendInBatches<Body>(
  queue: Queue<Body>,
  bodies: readonly Body[],
  options: { delaySeconds?: number; limits?: QueueLimits } = {},
): Promise<number> {
  const plan = planBatches(bodies, options.limits);
  let sent = 0;
  for (const batch of plan) {
    try {
      await queue.sendBatch(
        batch.map((i) => ({ body: bodies[i]!, contentType: "json" as const })),
        options.delaySeconds === undefined ? undefined : { delaySeconds: options.delaySeconds },
      );
    } catch (error) {
      throw new QueueSendError(sent, error);
    }
    sent += batch.length;
  }
  return plan.length;
}
