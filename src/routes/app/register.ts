import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/env";
import { appCors } from "./cors";

/**
 * Registers one event-API operation: its OpenAPI description, CORS, and the handler on its path and
 * on `aliases` (the short paths browser SDKs post to, e.g. analytics.js sends track to `/v1/t`).
 *
 * The route is documented from its zod schemas but not validated by @hono/zod-openapi's validator:
 * the body must be read whatever its Content-Type (browsers send text/plain, RudderStack gzip), sized
 * against Segment's limits before parsing, and a batch validated item by item so that one bad message
 * does not reject the others. The handler validates with the same schemas.
 */
export function registerAppOperation(
  app: OpenAPIHono<AppEnv>,
  route: RouteConfig,
  aliases: readonly string[],
  handler: (c: Context<AppEnv>) => Promise<Response>,
): void {
  app.openAPIRegistry.registerPath(route);
  for (const path of [route.path, ...aliases]) {
    app.use(path, appCors);
    app.post(path, handler);
  }
}
