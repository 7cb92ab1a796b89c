import { handleScheduled } from "./cron/scheduler";
import { DEAD_LETTER_QUEUE_NAME, handleDeadLetterBatch } from "./deliveries/dead-letters";
import type { QueueMessage } from "./deliveries/envelope";
import { createApp } from "./lib/app";
import type { Env } from "./lib/env";
import { handleIngestBatch } from "./pipeline/consumer";
import { handlePollBatch } from "./pull/consumer";
import { POLL_QUEUE_NAME, type PollMessage } from "./pull/messages";
import { registerRoutes } from "./routes";

export { ExternalSystem } from "./enrichment/external-system";
export { IdentityResolver } from "./identity/resolver";
export { IndicatorRecompute } from "./indicators/recompute";

const app = createApp();
registerRoutes(app);

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue === DEAD_LETTER_QUEUE_NAME) await handleDeadLetterBatch(batch, env);
    else if (batch.queue === POLL_QUEUE_NAME)
      await handlePollBatch(batch as unknown as MessageBatch<PollMessage>, env);
    else await handleIngestBatch(batch, env);
  },
  async scheduled(controller, env) {
    await handleScheduled(controller, env);
  },
} satisfies ExportedHandler<Env, QueueMessage>;
