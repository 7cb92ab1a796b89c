import { purgeDeliveriesBefore } from "../deliveries/delivery-log";
import { CONFIG_DEFAULTS, configOf } from "../lib/config";
import type { Env } from "../lib/env";
import { log } from "../lib/log";

/** Days the delivery log keeps a row when DELIVERY_LOG_RETENTION_DAYS is unset. */
export const DEFAULT_DELIVERY_LOG_RETENTION_DAYS = CONFIG_DEFAULTS.deliveryLogRetentionDays;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Cron task: removes delivery log rows older than the retention period (DELIVERY_LOG_RETENTION_DAYS,
 * 1-3650, default 30). Never throws: a failed cleanup is logged and the next tick tries again, so it
 * cannot break the scheduling of poll jobs. The events table is not touched: event keys are the dedupe
 * claim and outlive the log (a sender's retry days later is still recognized).
 * @returns rows deleted (0 on failure)
 */
export async function cleanUpDeliveryLog(
  env: Pick<Env, "DB" | "DELIVERY_LOG_RETENTION_DAYS">,
  now = Date.now(),
): Promise<number> {
  const days = configOf(env).deliveryLogRetentionDays;
  try {
    const deleted = await purgeDeliveriesBefore(env.DB, now - days * DAY_MS);
    if (deleted > 0) log.info("delivery_log_purged", { deleted, retentionDays: days });
    return deleted;
  } catch (error) {
    log.error("delivery_log_purge_failed", { error: String(error).slice(0, 200) });
    return 0;
  }
}
