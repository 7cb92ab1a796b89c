import type { Env } from "../lib/env";
import { log } from "../lib/log";

/**
 * Cron Trigger handler: picks due work and enqueues it; it never fetches or sleeps itself.
 * The walking skeleton has no poll jobs yet; this is where they are picked.
 */
export async function handleScheduled(controller: ScheduledController, _env: Env): Promise<void> {
  log.info("scheduled_tick", { cron: controller.cron, scheduledTime: controller.scheduledTime });
}
