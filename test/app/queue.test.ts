import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeliveryEnvelope, QueueMessage } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import { appWithKey, basicAuth, HOST, unique } from "./support";

/**
 * These tests call the Worker's handlers directly with a stand-in queue, so that they can see exactly
 * what the edge enqueues and then run the real consumer on it, deterministically.
 */
function capturingQueue(refuse = false): { queue: Queue<QueueMessage>; sent: DeliveryEnvelope[] } {
  const sent: DeliveryEnvelope[] = [];
  const queue = {
    async send(body: DeliveryEnvelope) {
      if (refuse) throw new Error("Queue overloaded");
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<DeliveryEnvelope>>) {
      if (refuse) throw new Error("Queue overloaded");
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue<QueueMessage>;
  return { queue, sent };
}

async function send(
  queue: Queue<QueueMessage>,
  path: string,
  body: unknown,
  writeKey: string,
): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${HOST}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basicAuth(writeKey) },
    body: JSON.stringify(body),
  });
  const response = await worker.fetch!(
    request as Request<unknown, IncomingRequestCfProperties>,
    { ...env, INGEST_QUEUE: queue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function consume(envelopes: DeliveryEnvelope[]): Promise<void> {
  const ctx = createExecutionContext();
  const batch = createMessageBatch<QueueMessage>(
    "tributary-ingest",
    envelopes.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const queue = worker.queue as ExportedHandlerQueueHandler<Cloudflare.Env, QueueMessage>;
  await queue(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  expect(result.retryMessages).toEqual([]);
  expect(result.explicitAcks).toHaveLength(envelopes.length);
}

async function storedEvents(sourceId: string): Promise<{ event_key: string; type: string }[]> {
  const { results } = await env.DB.prepare(
    "SELECT event_key, type FROM events WHERE source_id = ? ORDER BY event_key",
  )
    .bind(sourceId)
    .all<{ event_key: string; type: string }>();
  return results;
}

describe("event API → queue → pipeline", () => {
  it("messageId is the idempotency key: an SDK's retry of a batch is stored once", async () => {
    const { source, writeKey } = await appWithKey();
    const { queue, sent } = capturingQueue();
    const userId = unique("u");
    const batch = {
      batch: [
        { type: "identify", userId, messageId: "m-identify", traits: { plan: "pro" } },
        { type: "track", userId, messageId: "m-track", event: "Clicked" },
      ],
    };
    expect((await send(queue, "/v1/batch", batch, writeKey)).status).toBe(200);
    expect((await send(queue, "/v1/batch", batch, writeKey)).status).toBe(200);
    expect(sent.map((e) => e.idempotencyKey)).toEqual(["m-identify", "m-track", "m-identify", "m-track"]);
    expect(sent.every((e) => e.sourceId === source.id && e.sourceType === "app")).toBe(true);

    await consume(sent.slice(0, 2));
    await consume(sent.slice(2)); // the retry, as the queue would deliver it later
    await consume(sent); // and a redelivery of everything at once
    expect(await storedEvents(source.id)).toEqual([
      { event_key: "m-identify", type: "identify" },
      { event_key: "m-track", type: "Clicked" },
    ]);
  });

  it("without a messageId, the same message sent twice gets the same key (a hash of it)", async () => {
    const { source, writeKey } = await appWithKey();
    const { queue, sent } = capturingQueue();
    const message = { userId: unique("u"), event: "Clicked", timestamp: "2026-01-01T00:00:00.000Z" };
    await send(queue, "/v1/track", message, writeKey);
    await send(queue, "/v1/track", message, writeKey);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.idempotencyKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey);
    await consume(sent);
    expect(await storedEvents(source.id)).toHaveLength(1);
  });

  it("the write key never reaches the queue", async () => {
    const { writeKey } = await appWithKey();
    const { queue, sent } = capturingQueue();
    await send(
      queue,
      "/v1/batch",
      { writeKey, batch: [{ type: "track", userId: "u", event: "E", writeKey }] },
      writeKey,
    );
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent)).not.toContain(writeKey);
  });

  it("a large batch is split into queue calls within the queue's limits, and nothing is lost", async () => {
    const { source, writeKey } = await appWithKey();
    const calls: number[] = [];
    const sent: DeliveryEnvelope[] = [];
    const queue = {
      async sendBatch(messages: Iterable<MessageSendRequest<DeliveryEnvelope>>) {
        const list = [...messages];
        const bytes = new TextEncoder().encode(JSON.stringify(list.map((m) => m.body))).byteLength;
        if (list.length > 100 || bytes > 256 * 1024) throw new Error("batch over the queue's limits");
        calls.push(list.length);
        sent.push(...list.map((m) => m.body));
      },
    } as unknown as Queue<QueueMessage>;
    const batch = Array.from({ length: 250 }, (_, i) => ({
      type: "track",
      userId: `bulk-${i % 10}`,
      messageId: `bulk-${i}`,
      event: "Bulk",
      properties: { pad: "p".repeat(1500) },
    }));
    const response = await send(queue, "/v1/batch", { batch }, writeKey);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { accepted: number }).accepted).toBe(250);
    expect(calls.length).toBeGreaterThan(2);
    expect(new Set(sent.map((e) => e.idempotencyKey)).size).toBe(250);
    for (let i = 0; i < sent.length; i += 100) await consume(sent.slice(i, i + 100));
    expect(await storedEvents(source.id)).toHaveLength(250);
  });

  it("when the queue refuses, the answer is 503 with Retry-After (the SDK retries), never a 2xx", async () => {
    const { writeKey } = await appWithKey();
    const { queue } = capturingQueue(true);
    const response = await send(
      queue,
      "/v1/batch",
      { batch: [{ type: "track", userId: "u", event: "E" }] },
      writeKey,
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(((await response.json()) as { code: string }).code).toBe("queue_unavailable");
  });
});
