import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../lib/env";
import { metrics } from "./metrics/recorder";

/** Route patterns whose duration is `tributary_ingest_duration_seconds`: the edge, where senders wait. */
const EDGE_ROUTE = /^\/v1\/(sources\/|track$|identify$|page$|screen$|group$|alias$|batch$|import$)/;

/**
 * Times edge requests into `tributary_ingest_duration_seconds{route}` (the route pattern, never the
 * path, so source ids do not multiply the series) and makes sure whatever any handler counted is
 * handed to the aggregator in the background. Workers' clocks advance only across I/O, so the figure
 * is the time spent waiting (database, queue, R2), which is what a slow answer is made of.
 */
export const recordRequestMetrics: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  try {
    await next();
  } finally {
    const route = routePath(c, -1);
    if (EDGE_ROUTE.test(c.req.path) && route && !route.endsWith("*"))
      metrics.observe("tributary_ingest_duration_seconds", { route }, (Date.now() - started) / 1000);
    try {
      metrics.schedule(c.env, c.executionCtx);
    } catch {
      // No execution context (a unit test calling app.request): nothing to flush with.
    }
  }
};
