import { handleScheduled } from "./cron/scheduler";
import { DEAD_LETTER_QUEUE_NAME, handleDeadLetterBatch } from "./deliveries/dead-letters";
import { INGEST_QUEUE_NAME, UNKNOWN_QUEUE_RETRY_SECONDS } from "./deliveries/enqueue";
import type { QueueMessage } from "./deliveries/envelope";
import { IdentityResolver as IdentityResolverObject } from "./identity/resolver";
import { createApp } from "./lib/app";
import type { Env } from "./lib/env";
import { log } from "./lib/log";
import { metrics } from "./observability/metrics/recorder";
import { recordRequestMetrics } from "./observability/middleware";
import { countingAcks, countingQueues } from "./observability/queues";
import { handleIngestBatch } from "./pipeline/consumer";
import { DERIVED_STATE_LIST } from "./pipeline/derived-state";
import { handlePollBatch } from "./pull/consumer";
import { POLL_QUEUE_NAME, type PollMessage } from "./pull/messages";
import { registerRoutes } from "./routes";

export { ExternalSystem } from "./enrichment/external-system";
export { IndicatorRecompute } from "./indicators/recompute";
export { MetricsAggregator } from "./observability/metrics/aggregator";

/** The IdentityResolver given every module's per-event state (src/pipeline/derived-state.ts). */
export class IdentityResolver extends IdentityResolverObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, DERIVED_STATE_LIST);
  }
}

const app = createApp();
app.use("*", recordRequestMetrics);
registerRoutes(app);

export default {
  // Queue bindings are wrapped once per invocation so every send is counted (src/observability).
  fetch: (request, env, ctx) => app.fetch(request, countingQueues(env), ctx),
  async queue(rawBatch, rawEnv, ctx?: ExecutionContext) {
    const env = countingQueues(rawEnv);
    const batch = countingAcks(rawBatch);
    try {
      if (batch.queue === INGEST_QUEUE_NAME) await handleIngestBatch(batch, env);
      else if (batch.queue === DEAD_LETTER_QUEUE_NAME) await handleDeadLetterBatch(batch, env);
      else if (batch.queue === POLL_QUEUE_NAME)
        await handlePollBatch(batch as unknown as MessageBatch<PollMessage>, env);
      else {
        // A consumer binding this code does not know (a renamed queue, a config drift): reading its
        // messages as ingest envelopes could dead-letter or misapply them, so they wait, unread, for a
        // deployment that knows the queue (or the queue's own retry limit and dead-letter queue).
        log.error("queue_unknown", { queue: batch.queue, messages: batch.messages.length });
        batch.retryAll({ delaySeconds: UNKNOWN_QUEUE_RETRY_SECONDS });
      }
    } finally {
      if (ctx) metrics.handOver(env, ctx);
    }
  },
  async scheduled(controller, rawEnv, ctx?: ExecutionContext) {
    const env = countingQueues(rawEnv);
    try {
      await handleScheduled(controller, env);
    } finally {
      if (ctx) metrics.handOver(env, ctx);
    }
  },
} satisfies ExportedHandler<Env, QueueMessage>;
