// A bench-only stand-in for the ingest queue AND its broker, inside the Worker's isolate: sends are
// kept in memory and handed to the Worker's own queue handler in batches, as the platform would,
// without miniflare's local broker (a Durable Object that takes every message as a request and sets a
// timer for each). End to end, a single webhook then costs what the gateway itself does (edge,
// consumer, resolver, D1), which is what runs on the Worker's CPU in production, where Cloudflare
// Queues do the broker's work elsewhere. Used only by bench/worker.ts (BENCH_QUEUE="inline"); the
// deployed Worker never imports it.
import { INGEST_QUEUE_NAME } from "../../src/deliveries/enqueue";
import type { QueueMessage } from "../../src/deliveries/envelope";

/** A message held here: what a consumer's `Message` exposes, before it is delivered. */
interface Held {
  id: string;
  timestamp: Date;
  body: QueueMessage;
  attempts: number;
}

/** What runs a batch: the Worker's `queue` handler, with the context of the request that filled it. */
export type BatchHandler = (batch: MessageBatch<QueueMessage>, ctx: ExecutionContext) => Promise<void>;

/**
 * Holds sent messages and delivers them to `handler` in batches of `maxBatchSize` (wrangler.toml's
 * `max_batch_size` for the ingest queue), a partial batch after `maxBatchTimeoutMs`. A batch runs in
 * the `waitUntil` of the request whose send filled it (or armed its timer), so its I/O belongs to a
 * live request context. Messages the handler retries (or all it has not acked when it throws) are held again,
 * without the requested delay, with `attempts` one higher, so the consumer's own limit sends them to
 * the dead-letter queue in the end; `retried` counts them, and a bench reports it (0 expected).
 * Bodies are structured-cloned on send, as the `v8` content type does, so a sender's later change to
 * an object cannot reach the consumer.
 */
export class InlineIngestQueue {
  private held: Held[] = [];
  private timerArmed = false;
  /** Messages sent so far, and messages held again after a retry. */
  sent = 0;
  retried = 0;

  constructor(
    private readonly handler: BatchHandler,
    private readonly maxBatchSize = 100,
    private readonly maxBatchTimeoutMs = 1000,
  ) {}

  /** A producer for one request: its sends are delivered within `ctx`'s `waitUntil`. */
  producer(ctx: ExecutionContext): Queue<QueueMessage> {
    const hold = async (bodies: QueueMessage[]) => {
      for (const body of bodies)
        this.held.push({
          id: crypto.randomUUID(),
          timestamp: new Date(),
          body: structuredClone(body),
          attempts: 1,
        });
      this.sent += bodies.length;
      this.schedule(ctx);
    };
    return {
      send: (body: QueueMessage) => hold([body]),
      sendBatch: (messages: Iterable<MessageSendRequest<QueueMessage>>) =>
        hold([...messages].map((m) => m.body)),
      metrics: async () => ({ backlogCount: this.held.length, backlogBytes: 0 }),
    } as unknown as Queue<QueueMessage>;
  }

  private schedule(ctx: ExecutionContext): void {
    while (this.held.length >= this.maxBatchSize)
      ctx.waitUntil(this.deliver(this.held.splice(0, this.maxBatchSize), ctx));
    if (this.held.length === 0 || this.timerArmed) return;
    this.timerArmed = true;
    ctx.waitUntil(
      new Promise((resolve) => setTimeout(resolve, this.maxBatchTimeoutMs)).then(() => {
        this.timerArmed = false;
        if (this.held.length > 0) return this.deliver(this.held.splice(0, this.maxBatchSize), ctx);
      }),
    );
  }

  private async deliver(messages: Held[], ctx: ExecutionContext): Promise<void> {
    const again = new Set<Held>();
    const acked = new Set<Held>();
    const batch = {
      queue: INGEST_QUEUE_NAME,
      messages: messages.map((held) => ({
        id: held.id,
        timestamp: held.timestamp,
        body: held.body,
        attempts: held.attempts,
        ack: () => {
          acked.add(held);
          again.delete(held);
        },
        retry: () => again.add(held),
      })),
      ackAll: () => {
        for (const held of messages) acked.add(held);
        again.clear();
      },
      retryAll: () => {
        for (const held of messages) again.add(held);
      },
    } as unknown as MessageBatch<QueueMessage>;
    try {
      await this.handler(batch, ctx);
    } catch {
      // As the platform does: a failed invocation redelivers what was not acked.
      for (const held of messages) if (!acked.has(held)) again.add(held);
    }
    for (const held of again) {
      held.attempts++;
      this.held.push(held);
      this.retried++;
    }
    if (again.size > 0) this.schedule(ctx);
  }
}
