import type { Env } from "../lib/env";
import { ApiError } from "../lib/errors";
import { ipAllowed } from "../sources/auth/ip-allowlist";
import type { Source } from "../sources/store";
import { chargeInboundBudget } from "./rate-limit";
import { cachedSource } from "./source-cache";

/**
 * Lets a request reach a source, or not, before any of its body is read: the source's inbound rate
 * limit (429), the source itself (404) and its IP allowlist (403, against `CF-Connecting-IP`).
 * The source comes from the edge's source cache (./source-cache.ts): no D1 read while it is warm.
 * @returns the source with its active secrets
 * @throws ApiError `rate_limited`, `source_not_found`, `ip_not_allowed`
 */
export async function admitToSource(
  env: Env,
  request: Request,
  sourceId: string,
  now: number,
): Promise<Source> {
  await chargeInboundBudget(env, sourceId);
  const source = await cachedSource(env, sourceId, now);
  if (!source) throw new ApiError("source_not_found", "No source with this id");
  const allowed = source.config.allowedIps;
  if (allowed && !ipAllowed(request.headers.get("cf-connecting-ip"), allowed))
    throw new ApiError("ip_not_allowed", "This client address may not deliver to this source");
  return source;
}
