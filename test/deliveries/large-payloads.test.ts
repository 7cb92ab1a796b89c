import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { enqueueDeliveries, MAX_INLINE_MESSAGE_BYTES } from "../../src/deliveries/enqueue";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import { messageBytes, QUEUE_LIMITS } from "../../src/deliveries/send-in-batches";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { eventCounts, workspaceName } from "../pipeline/fixtures";
import { envelopeFor, RecordingQueue, testEnv } from "../pipeline/harness";
import { createSource, deliver, profileFor } from "../support/gateway";
import { shopifyHeaders, shopifySamples } from "../support/senders";

const SHOPIFY_SECRET = "shpss_c16_large_payload_secret";

/** Shopify's published orders/create example, grown with line items to about `bytes`. */
function largeOrder(bytes: number): string {
  const order = structuredClone(shopifySamples["orders/create"]) as unknown as { line_items: unknown[] };
  const item = order.line_items[0];
  while (JSON.stringify(order).length < bytes) order.line_items.push(structuredClone(item));
  return JSON.stringify(order);
}

describe("C16 queue batch send exceeds Cloudflare Queues limits", () => {
  it("C16 (c) a 300 KB Shopify order is stored in R2, enqueued as a small pointer, and becomes an event", async () => {
    const workspace = workspaceName("c16");
    const source = await createSource({ type: "shopify", secret: SHOPIFY_SECRET, workspace });
    const body = largeOrder(300_000);
    expect(body.length).toBeGreaterThanOrEqual(300_000);

    // The message the edge puts on the queue: a pointer, far under the 128 KB limit.
    const queue = new RecordingQueue<DeliveryEnvelope>();
    const headers = await shopifyHeaders(SHOPIFY_SECRET, body, "orders/create");
    const probe = await worker.fetch(
      new Request(`https://gateway.test/v1/sources/${source.id}/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      }),
      { ...testEnv(), INGEST_QUEUE: queue.binding() } satisfies Env,
      createExecutionContext(),
    );
    expect(probe.status).toBe(202);
    const [message] = queue.sent;
    expect(message?.body).toBeUndefined();
    expect(messageBytes(message)).toBeLessThan(4_000);
    expect(await (await env.PAYLOADS.get(message!.bodyRef!))?.text()).toBe(body);

    // The same delivery end to end through the real queue.
    const response = await deliver(
      source.id,
      body,
      await shopifyHeaders(SHOPIFY_SECRET, body, "orders/create"),
    );
    expect(response.status).toBe(202);
    const profile = await profileFor("shopify_customer_id", "115310627314723954", workspace);
    expect(profile.identifiers).toContainEqual({ type: "email", value: "john@example.com" });
    expect([...(await eventCounts(workspace)).values()]).toEqual([1]);
  });

  it("C16 a body just under the limit but doubled by JSON escaping still goes out of band", async () => {
    const source = { id: "src_c16_escape", workspace: "c16-escape", type: "generic-hmac" as const };
    // Pretty-printed JSON: every newline of the body becomes two bytes (\n) inside the envelope's JSON.
    const envelope = envelopeFor(source, null, { rawBody: `{"a":1${"\n".repeat(70_000)}}` });
    expect(envelope.body!.length).toBeLessThan(MAX_INLINE_MESSAGE_BYTES);
    const queue = new RecordingQueue<DeliveryEnvelope>();
    await enqueueDeliveries({ ...testEnv(), INGEST_QUEUE: queue.binding() }, [envelope]);
    expect(queue.sent[0]?.bodyRef).toBeDefined();
    expect(messageBytes(queue.sent[0])).toBeLessThan(QUEUE_LIMITS.maxMessageBytes);
  });

  it("C16 (a)+(b) enqueueDeliveries sends 250 small and three ~100 KB envelopes within the batch limits", async () => {
    const source = { id: "src_c16_batch", workspace: "c16-batch", type: "generic-hmac" as const };
    const small = Array.from({ length: 250 }, (_, n) => envelopeFor(source, { n, pad: "x".repeat(900) }));
    const large = [0, 1, 2].map((n) => envelopeFor(source, { n, pad: "y".repeat(90_000) }));
    const queue = new RecordingQueue<DeliveryEnvelope>();
    await enqueueDeliveries({ ...testEnv(), INGEST_QUEUE: queue.binding() }, [...small, ...large]);
    expect(queue.sent).toHaveLength(253);
    for (const batch of queue.batches) {
      expect(batch.length).toBeLessThanOrEqual(QUEUE_LIMITS.maxBatchMessages);
      expect(batch.reduce((sum, m) => sum + messageBytes(m), 0)).toBeLessThanOrEqual(
        QUEUE_LIMITS.maxBatchBytes,
      );
    }
    expect(queue.sent.map((m) => m.deliveryId)).toEqual([...small, ...large].map((e) => e.deliveryId));
  });

  it("C16 the real queue accepts what sendInBatches sends (miniflare enforces the platform limits)", async () => {
    const source = { id: "src_c16_real", workspace: "c16-real", type: "generic-hmac" as const };
    const envelopes = [0, 1, 2].map((n) => envelopeFor(source, { n, pad: "z".repeat(95_000) }));
    await expect(enqueueDeliveries(testEnv(), envelopes)).resolves.toBeGreaterThanOrEqual(2);
  });
});
