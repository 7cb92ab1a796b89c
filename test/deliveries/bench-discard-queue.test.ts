import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { discardedIngest, discardQueue } from "../../bench/lib/discard-queue";
import benchWorker from "../../bench/worker";
import type { QueueMessage } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { standardWebhooksHeaders } from "../edge/support/signers";
import { RecordingQueue } from "../pipeline/harness";
import { createSource } from "../support/gateway";

const secret = `whsec_${btoa("bench-discard-queue-test-key-32b!")}`;

/** A signed delivery to `sourceId`'s real ingest route. */
async function delivery(sourceId: string, id: string): Promise<Request> {
  const body = JSON.stringify({ type: "bench.event", n: 1 });
  return new Request(`https://gateway.test/v1/sources/${sourceId}/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...standardWebhooksHeaders(secret, body, Math.floor(Date.now() / 1000), id),
    },
    body,
  });
}

async function fetchThrough(target: typeof worker | typeof benchWorker, request: Request, overrides: object) {
  const ctx = createExecutionContext();
  const response = await target.fetch!(
    request as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...overrides } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe("bench-only discard queue (BENCH_QUEUE=discard)", () => {
  it("does not exist in the deployed Worker: with the var set, the real route still sends to INGEST_QUEUE", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const queue = new RecordingQueue<QueueMessage>();
    const before = discardedIngest.sent;
    const response = await fetchThrough(worker, await delivery(source.id, "msg_deployed"), {
      INGEST_QUEUE: queue.binding(),
      BENCH_QUEUE: "discard",
    });
    expect(response.status).toBe(202);
    expect(queue.sent).toEqual([
      expect.objectContaining({ sourceId: source.id, idempotencyKey: "msg_deployed" }),
    ]);
    expect(discardedIngest.sent).toBe(before);
  });

  it("in the bench entry, the real and bare routes answer 202 and their messages are discarded, not sent", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const queue = new RecordingQueue<QueueMessage>();
    const before = discardedIngest.sent;
    const real = await fetchThrough(benchWorker, await delivery(source.id, "msg_bench_real"), {
      INGEST_QUEUE: queue.binding(),
      BENCH_QUEUE: "discard",
    });
    expect(real.status).toBe(202);
    const bare = await fetchThrough(
      benchWorker,
      new Request(`https://gateway.test/v1/bench/sources/${source.id}/enqueue`, {
        method: "POST",
        body: "{}",
      }),
      { INGEST_QUEUE: queue.binding(), BENCH_QUEUE: "discard" },
    );
    expect(bare.status).toBe(202);
    expect(queue.sent).toEqual([]);
    expect(discardedIngest.sent).toBe(before + 2);
  });

  it("refuses what a real binding refuses: a message over 128 KB, a body its content type cannot carry", async () => {
    const queue = discardQueue<unknown>();
    await expect(queue.send({ body: "x".repeat(130_000) }, { contentType: "json" })).rejects.toThrow(
      /exceed/,
    );
    await expect(queue.send({ n: 1n }, { contentType: "json" })).rejects.toThrow(TypeError);
    await expect(queue.send(42, { contentType: "text" })).rejects.toThrow(TypeError);
    await queue.send({ a: 1 }, { contentType: "json" });
    await queue.sendBatch([{ body: "ab", contentType: "text" }, { body: { a: 1 } }]);
    expect({ sent: queue.sent, bytes: queue.bytes }).toEqual({ sent: 3, bytes: 9 });
  });
});
