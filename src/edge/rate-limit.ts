import type { Env } from "../lib/env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";

/**
 * The INGEST_RATE_LIMITER period in wrangler.toml, seconds: the longest a refused sender must wait
 * for a fresh budget, so it is the Retry-After we answer. Keep in step with `simple.period`.
 */
export const RATE_LIMIT_PERIOD_SECONDS = 10;

/**
 * Charges one request to `sourceId`'s inbound budget (Workers Rate Limiting binding, keyed by source
 * id). Runs before the source lookup so a flood costs no D1 read, body read or HMAC.
 * The limiter is best-effort and per-location; if the binding itself fails we let the request
 * through (fail open), since refusing every delivery is worse than an unmetered one.
 * @throws ApiError `rate_limited` (429) with `Retry-After` in seconds
 * @see https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/
 */
export async function chargeInboundBudget(
  env: Pick<Env, "INGEST_RATE_LIMITER">,
  sourceId: string,
): Promise<void> {
  if (!env.INGEST_RATE_LIMITER) return;
  let success = true;
  try {
    ({ success } = await env.INGEST_RATE_LIMITER.limit({ key: sourceId }));
  } catch (error) {
    log.warn("rate_limiter_failed", { sourceId, error: String(error) });
  }
  if (!success)
    throw new ApiError("rate_limited", "This source is sending faster than its inbound limit", {
      headers: { "retry-after": String(RATE_LIMIT_PERIOD_SECONDS) },
    });
}
