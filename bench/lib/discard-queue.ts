// A bench-only stand-in for a Queue producer binding that keeps the Worker-side work of a send and
// drops the message. Miniflare's local queue broker tops out at ~1,000 sends/s (one timer per
// message, workerd's 10,000 active-timer cap), so flat-out req/s of any ingest route measured the
// broker; with this producer the route's own work is what saturates. Used only by bench/worker.ts
// (BENCH_QUEUE="discard"); the deployed Worker (src/index.ts) never imports it.
import type { QueueMessage } from "../../src/deliveries/envelope";

/** Per-message limit of Cloudflare Queues, bytes (https://developers.cloudflare.com/queues/platform/limits/). */
const MAX_MESSAGE_BYTES = 128_000;
/** Per-`sendBatch` limits of Cloudflare Queues: messages and total bytes (same page). */
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 256_000;

const encoder = new TextEncoder();

/** A producer that serializes and counts what it is given, then discards it. */
export interface DiscardQueue<Body> extends Queue<Body> {
  /** Messages accepted (and discarded) so far. */
  readonly sent: number;
  /** Serialized bytes of those messages (0 for `v8` messages, whose wire size JavaScript cannot see). */
  readonly bytes: number;
}

/**
 * Serializes `body` as the runtime's producer does before its send leaves the isolate, by content
 * type (https://developers.cloudflare.com/queues/configuration/javascript-apis/#queuescontenttype):
 * `json` → JSON.stringify then UTF-8, `text` → UTF-8 of a string, `bytes` → a copy of the buffer,
 * `v8` (the default) → a structured clone. Returns the serialized size in bytes (0 for `v8`).
 * @throws TypeError when the body does not fit its content type, as the runtime does
 */
function serialize(body: unknown, contentType: QueueContentType = "v8"): number {
  switch (contentType) {
    case "json": {
      const text = JSON.stringify(body);
      if (text === undefined) throw new TypeError("Queue message body is not JSON-serializable");
      return encoder.encode(text).byteLength;
    }
    case "text":
      if (typeof body !== "string")
        throw new TypeError("Queue message with contentType text must be a string");
      return encoder.encode(body).byteLength;
    case "bytes":
      if (!(body instanceof ArrayBuffer || ArrayBuffer.isView(body)))
        throw new TypeError("Queue message with contentType bytes must be an ArrayBuffer or a view");
      return (
        body instanceof ArrayBuffer
          ? body.slice(0)
          : new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice()
      ).byteLength;
    default:
      structuredClone(body);
      return 0;
  }
}

function tooLarge(bytes: number, limit: number): Error {
  return new Error(`Queue send failed: ${bytes} bytes exceed the limit of ${limit}`);
}

/**
 * A {@link DiscardQueue}: each `send`/`sendBatch` serializes its messages by their content type,
 * enforces the platform's size and count limits (rejecting as a real binding would), counts them
 * and drops them. Nothing reaches a consumer.
 */
export function discardQueue<Body>(): DiscardQueue<Body> {
  let sent = 0;
  let bytes = 0;
  const empty = { backlogCount: 0, backlogBytes: 0 };
  const noBacklog = { metadata: { metrics: empty } };
  return {
    async metrics() {
      return empty;
    },
    get sent() {
      return sent;
    },
    get bytes() {
      return bytes;
    },
    async send(body: Body, options?: QueueSendOptions) {
      const size = serialize(body, options?.contentType);
      if (size > MAX_MESSAGE_BYTES) throw tooLarge(size, MAX_MESSAGE_BYTES);
      sent += 1;
      bytes += size;
      return noBacklog;
    },
    async sendBatch(messages: Iterable<MessageSendRequest<Body>>) {
      const list = [...messages];
      if (list.length > MAX_BATCH_MESSAGES)
        throw new Error(
          `Queue sendBatch failed: ${list.length} messages exceed the limit of ${MAX_BATCH_MESSAGES}`,
        );
      let total = 0;
      for (const m of list) {
        const size = serialize(m.body, m.contentType);
        if (size > MAX_MESSAGE_BYTES) throw tooLarge(size, MAX_MESSAGE_BYTES);
        total += size;
      }
      if (total > MAX_BATCH_BYTES) throw tooLarge(total, MAX_BATCH_BYTES);
      sent += list.length;
      bytes += total;
      return noBacklog;
    },
  };
}

/**
 * The isolate's discarding ingest producer, which bench/worker.ts puts in place of INGEST_QUEUE when
 * BENCH_QUEUE is "discard" (one per isolate, so its counts add up across requests).
 */
export const discardedIngest: DiscardQueue<QueueMessage> = discardQueue<QueueMessage>();
