import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { MetricsBatch } from "../../src/observability/metrics/aggregator";
import { type MetricsEnv, MetricsRecorder } from "../../src/observability/metrics/recorder";
import { workspaceName } from "../pipeline/fixtures";
import { envelopeFor, testEnv } from "../pipeline/harness";
import { createSource } from "../support/gateway";

/** A METRICS namespace whose one aggregator records each batch handed to it. */
function recordingAggregator() {
  const batches: MetricsBatch[] = [];
  const stub = { add: async (batch: MetricsBatch) => void batches.push(batch) };
  const namespace = { idFromName: (name: string) => name, get: () => stub };
  return { batches, METRICS: namespace as unknown as NonNullable<MetricsEnv["METRICS"]> };
}

/** An execution context that keeps what was handed to `waitUntil`. */
function collectingContext() {
  const pending: Promise<unknown>[] = [];
  return { pending, ctx: { waitUntil: (p: Promise<unknown>) => void pending.push(p) } };
}

const counted = (batches: MetricsBatch[], name: string) =>
  batches
    .flatMap((b) => b.counters)
    .filter((c) => c.name === name)
    .reduce((sum, c) => sum + c.value, 0);

describe("metrics hand-over", () => {
  it("hands over every time at a flush interval of 0, not only the first", async () => {
    const { batches, METRICS } = recordingAggregator();
    const env = { METRICS, METRICS_FLUSH_MS: "0" };
    const recorder = new MetricsRecorder();
    for (let i = 0; i < 3; i++) {
      recorder.count("tributary_client_disconnects_total", {});
      const { pending, ctx } = collectingContext();
      recorder.schedule(env, ctx);
      await Promise.all(pending);
    }
    expect(counted(batches, "tributary_client_disconnects_total")).toBe(3);
  });

  it("hands a queue batch's counts over when the batch ends, not after the flush interval", async () => {
    // The longest flush interval, a minute: were the consumer to arm the timer, its invocation (and with it
    // the local broker's next batch) would wait that long for `waitUntil` to settle.
    const { batches, METRICS } = recordingAggregator();
    const env = { ...testEnv(), METRICS, METRICS_FLUSH_MS: "60000" };
    const workspace = workspaceName("metrics-handover");
    const slack = await createSource({ type: "slack", secret: "slack-signing-secret-0123456789", workspace });
    const batch = createMessageBatch("tributary-ingest", [
      {
        id: "m-handover",
        timestamp: new Date(),
        attempts: 1,
        body: envelopeFor({ id: slack.id, workspace, type: "slack" }, { type: "app_rate_limited" }),
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env as never, ctx);
    let guard: ReturnType<typeof setTimeout> | undefined;
    const held = new Promise<"held">((resolve) => {
      guard = setTimeout(() => resolve("held"), 20_000);
    });
    const outcome = await Promise.race([waitOnExecutionContext(ctx).then(() => "done" as const), held]);
    clearTimeout(guard);
    expect(outcome).toBe("done");
    const ignored = batches
      .flatMap((b) => b.counters)
      .find((c) => c.name === "tributary_deliveries_total" && c.labels.source === slack.id);
    expect(ignored?.labels.disposition).toBe("ignored:no_events");
    expect(ignored?.value).toBe(1);
  });
});
