// The benchmark's entry module: the gateway of src/index.ts plus what only a benchmark needs, the
// enqueue-only baseline route and a sender `unauthenticated` that accepts every delivery. Built by
// bench/lib/gateway.mjs (`wrangler deploy bench/worker.ts --dry-run`) and imported by the tests that
// check these bench-only behaviours; the deployed Worker (main = src/index.ts) contains neither.
import type { QueueMessage } from "../src/deliveries/envelope";
import gateway from "../src/index";
import { createApp } from "../src/lib/app";
import type { Env } from "../src/lib/env";
import { recordRequestMetrics } from "../src/observability/middleware";
import { countingQueues } from "../src/observability/queues";
import { registerRoutes } from "../src/routes";
import { registerBenchEnqueueOnly } from "./lib/enqueue-only";
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

export default {
  ...gateway,
  fetch: (request, env, ctx) => app.fetch(request, countingQueues(env), ctx),
} satisfies ExportedHandler<Env, QueueMessage>;
