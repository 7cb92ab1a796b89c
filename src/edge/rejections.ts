import type { Context } from "hono";
import { logDelivery } from "../deliveries/delivery-log";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { countDisposition } from "../observability/counts";
import { metrics } from "../observability/metrics/recorder";
import { cachedSource } from "./source-cache";

/**
 * Runs an edge handler and records every request it turns away (any 4xx ApiError) in the delivery log
 * with its stable code as the reason, so operators can count rejections per source and reason. The
 * log line carries the log-safe detail (e.g. "timestamp too old"); neither carries a body or secret.
 * An unknown source id (404) is only logged to the console: there is no source to count it against,
 * and recording every made-up id would let anyone fill the table. A 429 comes before the source lookup
 * (the budget is charged first so a flood costs no D1 read), so it is recorded only once the source is
 * known to exist, checked after the answer through the source cache.
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
      if (error.code === "rate_limited")
        c.executionCtx.waitUntil(recordIfSourceExists(c, sourceId, receivedAt));
      else if (error.code !== "source_not_found") record(c, sourceId, error.code, receivedAt);
    }
    throw error;
  }
}

function record(c: Context<AppEnv>, sourceId: string, code: string, receivedAt: number): void {
  logDelivery(c.env, c.executionCtx, { sourceId, status: "rejected", reason: code, receivedAt });
  countDisposition({ source: sourceId }, `rejected:${code}`);
}

/**
 * Records a 429 when `sourceId` names a source. A source being throttled is warm in the cache (no D1
 * read); an unknown id costs at most one read, within the cache's budget for unknown ids, and when that
 * budget is spent the rejection is not recorded: a flood of made-up ids leaves no rows and no series.
 */
async function recordIfSourceExists(c: Context<AppEnv>, sourceId: string, receivedAt: number): Promise<void> {
  let exists = false;
  try {
    exists = (await cachedSource(c.env, sourceId, receivedAt)) !== null;
  } catch {
    // Budget for unknown ids spent, or D1 unreachable: the console line above is the only record.
  }
  if (!exists) return;
  record(c, sourceId, "rate_limited", receivedAt);
  metrics.schedule(c.env, c.executionCtx);
}
