import { describe, expect, it } from "vitest";
import {
  MessageTooLargeError,
  messageBytes,
  PER_MESSAGE_OVERHEAD_BYTES,
  QUEUE_LIMITS,
  QueueSendError,
  sendInBatches,
} from "../../src/deliveries/send-in-batches";
import { RecordingQueue } from "./harness";

/** A queue that refuses a batch the way Cloudflare does: over 100 messages or 256,000 bytes. */
class StrictQueue<Body> extends RecordingQueue<Body> {
  override async sendBatch(messages: Iterable<MessageSendRequest<Body>>): Promise<void> {
    const list = [...messages];
    const bytes = list.reduce((sum, m) => sum + messageBytes(m.body), 0);
    if (list.length > QUEUE_LIMITS.maxBatchMessages)
      throw new Error(`batch message count of ${list.length} exceeds limit of 100`);
    if (bytes > QUEUE_LIMITS.maxBatchBytes)
      throw new Error(`batch size of ${bytes} bytes exceeds limit of 256000`);
    for (const m of list) expect(m.contentType).toBe("json");
    await super.sendBatch(list);
  }
}

const filler = (bytes: number, n: number) => ({ n, data: "x".repeat(bytes) });

describe("sendInBatches", () => {
  it("C16 (a) 250 events of about 1 KB go as 3 batches of at most 100 messages, in order", async () => {
    const queue = new StrictQueue<{ n: number }>();
    const messages = Array.from({ length: 250 }, (_, n) => filler(1000, n));
    expect(await sendInBatches(queue.binding(), messages)).toBe(3);
    expect(queue.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(queue.sent.map((m) => m.n)).toEqual(messages.map((m) => m.n));
  });

  it("C16 (b) three events of about 100 KB enqueued together are split so no batch exceeds 256 KB", async () => {
    const queue = new StrictQueue<{ n: number }>();
    const messages = [0, 1, 2].map((n) => filler(100_000, n));
    await sendInBatches(queue.binding(), messages);
    expect(queue.batches.length).toBeGreaterThanOrEqual(2);
    for (const batch of queue.batches) {
      const bytes = batch.reduce((sum, m) => sum + messageBytes(m) + PER_MESSAGE_OVERHEAD_BYTES, 0);
      expect(bytes).toBeLessThanOrEqual(QUEUE_LIMITS.maxBatchBytes);
    }
    expect(queue.sent.map((m) => m.n)).toEqual([0, 1, 2]);
  });

  it("C16 counts serialized bytes, not characters: multi-byte text and JSON escapes are what the queue sees", async () => {
    const queue = new StrictQueue<{ data: string }>();
    // 40,000 characters each; 3 bytes each in UTF-8 (120 KB) and 2 bytes each when escaped (80 KB).
    const messages = [
      { data: "€".repeat(40_000) },
      { data: "\n".repeat(40_000) },
      { data: "€".repeat(40_000) },
    ];
    await sendInBatches(queue.binding(), messages);
    expect(queue.sent).toHaveLength(3);
    for (const batch of queue.batches)
      expect(batch.reduce((sum, m) => sum + messageBytes(m), 0)).toBeLessThanOrEqual(
        QUEUE_LIMITS.maxBatchBytes,
      );
  });

  it("C16 refuses a message over the per-message limit before sending anything (the caller stores it out of band)", async () => {
    const queue = new StrictQueue<{ n: number }>();
    const messages = [filler(10, 0), filler(130_000, 1)];
    await expect(sendInBatches(queue.binding(), messages)).rejects.toBeInstanceOf(MessageTooLargeError);
    expect(queue.sent).toEqual([]);
  });

  it("reports how many messages were sent when the queue refuses a later batch", async () => {
    let calls = 0;
    const queue = new RecordingQueue<{ n: number }>((label) =>
      label === "queue.sendBatch" && calls++ === 1 ? "before" : null,
    );
    const messages = Array.from({ length: 150 }, (_, n) => filler(10, n));
    const error = await sendInBatches(queue.binding(), messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueSendError);
    expect((error as QueueSendError).sent).toBe(100);
    expect(queue.sent).toHaveLength(100);
  });
});
