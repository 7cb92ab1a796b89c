import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { InlineIngestQueue } from "../../bench/lib/inline-queue";
import { INGEST_QUEUE_NAME } from "../../src/deliveries/enqueue";
import type { QueueMessage } from "../../src/deliveries/envelope";

/** A queue message body good enough for the stand-in, which never reads it. */
const message = (n: number) => ({ deliveryId: `dlv_${n}`, meta: { n } }) as unknown as QueueMessage;

describe("bench-only inline queue (BENCH_QUEUE=inline)", () => {
  it("hands full batches to the handler at once and the rest after the batch timeout, each message once", async () => {
    const batches: { queue: string; ids: string[] }[] = [];
    const queue = new InlineIngestQueue(
      async (batch) => {
        batches.push({
          queue: batch.queue,
          ids: batch.messages.map((m) => (m.body as unknown as { deliveryId: string }).deliveryId),
        });
      },
      100,
      20,
    );
    const ctx = createExecutionContext();
    const producer = queue.producer(ctx);
    for (let n = 0; n < 150; n++) await producer.send(message(n));
    await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ body: message(150 + i) })));
    await waitOnExecutionContext(ctx);
    expect(batches.map((b) => b.ids.length)).toEqual([100, 100, 50]);
    expect(batches.every((b) => b.queue === INGEST_QUEUE_NAME)).toBe(true);
    expect(new Set(batches.flatMap((b) => b.ids)).size).toBe(250);
    expect([queue.sent, queue.retried]).toEqual([250, 0]);
  });

  it("delivers a clone: changing a sent object afterwards does not reach the consumer", async () => {
    const seen: number[] = [];
    const queue = new InlineIngestQueue(
      async (batch) => {
        for (const m of batch.messages) seen.push((m.body as unknown as { meta: { n: number } }).meta.n);
      },
      100,
      5,
    );
    const ctx = createExecutionContext();
    const body = message(1) as unknown as { meta: { n: number } };
    await queue.producer(ctx).send(body as unknown as QueueMessage);
    body.meta.n = 99;
    await waitOnExecutionContext(ctx);
    expect(seen).toEqual([1]);
  });

  it("holds retried messages again with one more attempt, and a whole batch when the handler throws", async () => {
    const attempts: Record<string, number[]> = {};
    let calls = 0;
    const queue = new InlineIngestQueue(
      async (batch) => {
        calls++;
        for (const m of batch.messages) {
          const id = (m.body as unknown as { deliveryId: string }).deliveryId;
          attempts[id] = [...(attempts[id] ?? []), m.attempts];
          if (id === "dlv_0" && m.attempts === 1) m.retry();
        }
        if (calls === 2) throw new Error("consumer failed");
      },
      100,
      5,
    );
    const ctx = createExecutionContext();
    const producer = queue.producer(ctx);
    await producer.send(message(0));
    await producer.send(message(1));
    await waitOnExecutionContext(ctx);
    // Call 1: both (dlv_0 retried); call 2: dlv_0 again, and it throws; call 3: dlv_0 a third time.
    expect(attempts).toEqual({ dlv_0: [1, 2, 3], dlv_1: [1] });
    expect(queue.retried).toBe(2);
  });
});
