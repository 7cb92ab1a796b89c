import type { OpenAPIHono } from "@hono/zod-openapi";
import { enqueueDelivery } from "../../src/deliveries/enqueue";
import { newDeliveryEnvelope } from "../../src/deliveries/envelope";
import type { AppEnv } from "../../src/lib/env";
import { newId } from "../../src/lib/ids";

/**
 * Registers POST /v1/bench/sources/{sourceId}/enqueue: the bare minimum of an ingest route (read the
 * body, wrap it, enqueue, 202) with no source lookup, authentication or decoding, as the baseline the
 * benchmark compares the real route with. Registered only by the bench entry module (bench/worker.ts),
 * so the deployed Worker does not contain it. Not in the OpenAPI description.
 *
 * The idempotency key is the `webhook-id` header (so bench deliveries dedupe like real ones), else a
 * fresh id; the workspace is `x-bench-workspace` (default `default`).
 */
export function registerBenchEnqueueOnly(app: OpenAPIHono<AppEnv>): void {
  app.post("/v1/bench/sources/:sourceId/enqueue", async (c) => {
    const deliveryId = newId("dlv");
    const envelope = newDeliveryEnvelope({
      origin: { kind: "webhook" },
      source: {
        id: c.req.param("sourceId"),
        type: "standard-webhooks",
        workspace: c.req.header("x-bench-workspace") ?? "default",
      },
      deliveryId,
      receivedAt: Date.now(),
      idempotencyKey: c.req.header("webhook-id") ?? deliveryId,
      headers: { "content-type": c.req.header("content-type") ?? "application/json" },
      body: await c.req.text(),
    });
    await enqueueDelivery(c.env, envelope);
    return c.json({ deliveryId }, 202);
  });
}
