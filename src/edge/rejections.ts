import type { Context } from "hono";
import { logDelivery } from "../deliveries/delivery-log";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { countDisposition } from "../observability/counts";

/**
 * Runs an edge handler and records every request it turns away (any 4xx ApiError) in the delivery log
 * with its stable code as the reason, so operators can count rejections per source and reason. The
 * log line carries the log-safe detail (e.g. "timestamp too old"); neither carries a body or secret.
 * An unknown source id (404) is only logged to the console: there is no source to count it against,
 * and recording every made-up id would let anyone fill the table.
 * @throws whatever `handler` throws, unchanged
 */
export async function recordingRejections<T>(
  c: Context<AppEnv>,
  sourceId: string,
  receivedAt: number,
  handler: () => Promise<T>,
): Promise<T> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      log.warn("delivery_rejected", { sourceId, code: error.code, reason: error.detail });
      if (error.code !== "source_not_found") {
        logDelivery(c.env, c.executionCtx, { sourceId, status: "rejected", reason: error.code, receivedAt });
        countDisposition({ source: sourceId }, `rejected:${error.code}`);
      }
    }
    throw error;
  }
}
