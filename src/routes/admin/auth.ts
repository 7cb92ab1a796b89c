import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../../lib/constant-time";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";

/**
 * Bearer-token guard for /v1/admin/*: refuses every request when `ADMIN_TOKEN` is unset (503) and
 * every request without the exact token (401). The token is compared in constant time.
 */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new ApiError("admin_not_configured");
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer (.+)$/.exec(header);
  if (!match || !(await secretsEqual(match[1]!, expected))) {
    throw new ApiError("unauthorized", "An admin bearer token is required", {
      headers: { "www-authenticate": 'Bearer realm="tributary-admin"' },
    });
  }
  await next();
};
