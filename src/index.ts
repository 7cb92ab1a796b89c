import type { QueueMessage } from "./ingest/envelope";
import { createApp } from "./lib/app";
import type { Env } from "./lib/env";
import { handleIngestBatch } from "./pipeline/consumer";
import { DEAD_LETTER_QUEUE_NAME, handleDeadLetterBatch } from "./pipeline/dead-letters";
import { handlePollBatch } from "./polling/consumer";
import { POLL_QUEUE_NAME, type PollMessage } from "./polling/messages";
import { handleScheduled } from "./polling/scheduler";
import { registerRoutes } from "./routes";

export { IdentityResolver } from "./identity/resolver";
export { IndicatorRecompute } from "./indicators/recompute";
export { ExternalSystem } from "./pipeline/extensions/external-system";

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
