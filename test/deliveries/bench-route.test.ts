import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import benchWorker from "../../bench/worker";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { RecordingQueue, testEnv } from "../pipeline/harness";
import { call } from "../support/gateway";

const path = "/v1/bench/sources/src_bench/enqueue";

describe("bench-only enqueue route", () => {
  it("does not exist in the deployed Worker, whatever its bindings: 404 problem+json, and not in the OpenAPI description", async () => {
    for (const value of [undefined, "true"]) {
      const response = await worker.fetch(
        new Request(`https://gateway.test${path}`, { method: "POST", body: "{}" }),
        // The binding that used to enable the route must no longer matter.
        { ...testEnv(), BENCH_ROUTES: value } as Env,
        createExecutionContext(),
      );
      expect(response.status, String(value)).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await call(path, { method: "POST", body: "{}" })).status).toBe(404);
    const spec = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths).filter((p) => p.includes("bench"))).toEqual([]);
  });

  it("in the bench entry module (bench/worker.ts) it only enqueues the body and answers 202", async () => {
    const queue = new RecordingQueue<DeliveryEnvelope>();
    const response = await benchWorker.fetch(
      new Request(`https://gateway.test${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": "msg_bench" },
        body: '{"a":1}',
      }),
      { ...testEnv(), INGEST_QUEUE: queue.binding() } satisfies Env,
      createExecutionContext(),
    );
    expect(response.status).toBe(202);
    expect(queue.sent).toEqual([
      expect.objectContaining({ sourceId: "src_bench", idempotencyKey: "msg_bench", body: '{"a":1}' }),
    ]);
  });
});
