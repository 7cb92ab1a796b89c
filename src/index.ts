import type { QueueMessage } from "./ingest/envelope";
import { createApp } from "./lib/app";
import type { Env } from "./lib/env";
import { handleIngestBatch } from "./pipeline/consumer";
import { DEAD_LETTER_QUEUE_NAME, handleDeadLetterBatch } from "./pipeline/dead-letters";
import { handleScheduled } from "./polling/scheduler";
import { registerRoutes } from "./routes";

export { IdentityResolver } from "./identity/resolver";

const app = createApp();
registerRoutes(app);

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue === DEAD_LETTER_QUEUE_NAME) await handleDeadLetterBatch(batch, env.DB);
    else await handleIngestBatch(batch, env);
  },
  async scheduled(controller, env) {
    await handleScheduled(controller, env);
  },
} satisfies ExportedHandler<Env, QueueMessage>;
