// The benchmark's entry module: the gateway of src/index.ts plus what only a benchmark needs, the
// enqueue-only baseline route, a sender `unauthenticated` that accepts every delivery and, when
// BENCH_QUEUE is "discard", an ingest producer that serializes and drops messages, or when it is
// "inline", an ingest queue that hands batches to this Worker's queue handler in the isolate (GET
// /v1/bench/inline-queue counts its sends and retries). Built by bench/lib/gateway.mjs (`wrangler
// deploy bench/worker.ts --dry-run`) and imported by the tests that check these bench-only
// behaviours; the deployed Worker (main = src/index.ts) contains none of them.
import type { QueueMessage } from "../src/deliveries/envelope";
import gateway from "../src/index";
import { createApp } from "../src/lib/app";
import type { Env } from "../src/lib/env";
import { recordRequestMetrics } from "../src/observability/middleware";
import { countingQueues } from "../src/observability/queues";
import { registerRoutes } from "../src/routes";
import { discardedIngest } from "./lib/discard-queue";
import { registerBenchEnqueueOnly } from "./lib/enqueue-only";
import { InlineIngestQueue } from "./lib/inline-queue";
import { BENCH_SENDERS } from "./lib/senders";

export { ExternalSystem, IdentityResolver, IndicatorRecompute, MetricsAggregator } from "../src/index";

// The same middleware and queue wrapping as src/index.ts, so the edge is measured with its metrics.
const app = createApp();
app.use("*", recordRequestMetrics);
app.use("*", async (c, next) => {
  c.set("senderOverrides", BENCH_SENDERS);
  await next();
});
registerBenchEnqueueOnly(app);
registerRoutes(app);

/** The bench entry's bindings: the Worker's, plus the opt-in queue stand-in. */
export interface BenchEnv extends Env {
  /**
   * "discard": INGEST_QUEUE is replaced, for every route, by bench/lib/discard-queue.ts (serialize, count,
   * drop), so flat-out req/s measures the routes rather than miniflare's local queue broker
   * (~1,000 sends/s). "inline": INGEST_QUEUE is bench/lib/inline-queue.ts, which hands batches to
   * this Worker's own queue handler in the isolate, so end to end measures the gateway without
   * miniflare's broker. Anything else, or unset: the real binding.
   */
  BENCH_QUEUE?: string;
}

/** Envs with the discard producer by the env they replace, so countingQueues' per-env cache still hits. */
const discardEnvs = new WeakMap<object, Env>();

/** The inline queue of this isolate (BENCH_QUEUE="inline"), made on first use with the env it runs batches with. */
let inline: InlineIngestQueue | undefined;

function benchQueues(env: BenchEnv, ctx: ExecutionContext): Env {
  if (env.BENCH_QUEUE === "inline") {
    inline ??= new InlineIngestQueue((batch, batchCtx) => gateway.queue(batch, env, batchCtx));
    return { ...env, INGEST_QUEUE: inline.producer(ctx) };
  }
  if (env.BENCH_QUEUE !== "discard") return env;
  let replaced = discardEnvs.get(env);
  if (!replaced) {
    replaced = { ...env, INGEST_QUEUE: discardedIngest };
    discardEnvs.set(env, replaced);
  }
  return replaced;
}

export default {
  ...gateway,
  // The discard producer goes under the metrics wrapping, which then counts its sends as it counts
  // the real binding's: the metered route does the same work either way.
  fetch: (request, env, ctx) => {
    if (env.BENCH_QUEUE === "inline" && new URL(request.url).pathname === "/v1/bench/inline-queue")
      return Response.json({ sent: inline?.sent ?? 0, retried: inline?.retried ?? 0 });
    return app.fetch(request, countingQueues(benchQueues(env, ctx)), ctx);
  },
} satisfies ExportedHandler<BenchEnv, QueueMessage>;
