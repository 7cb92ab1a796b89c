import type { QueueMessage } from "./ingest/envelope";
import { createApp } from "./lib/app";
import type { Env } from "./lib/env";
import { handleIngestBatch } from "./pipeline/consumer";
import { handleDeadLetterBatch } from "./pipeline/dead-letters";
import { handleScheduled } from "./polling/scheduler";
import { registerRoutes } from "./routes";

export { IdentityResolver } from "./identity/resolver";

const app = createApp();
registerRoutes(app);

/** Queue names as declared in wrangler.toml. */
export const DEAD_LETTER_QUEUE_NAME = "tributary-dead-letters";

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
