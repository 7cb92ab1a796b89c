import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/env";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "../observability/metrics/exposition";
import { collectMetrics } from "../views/metrics";
import { requireAdmin } from "./admin/auth";

const route = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  tags: ["operations"],
  summary: "Prometheus metrics (text exposition format 0.0.4)",
  description:
    "Counters, histograms and gauges of the whole gateway (see docs/operations.md). Scrape with a bearer token: `authorization: Bearer <ADMIN_TOKEN>`.",
  security: [{ adminToken: [] }],
  responses: {
    200: {
      description: "The metrics, one family per `# HELP`/`# TYPE` pair",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

/** Registers `GET /metrics` behind the admin token. */
export function registerMetrics(app: OpenAPIHono<AppEnv>): void {
  app.use("/metrics", requireAdmin);
  app.openapi(route, async (c) => {
    const text = renderExposition(await collectMetrics(c.env));
    return c.text(text, 200, { "content-type": EXPOSITION_CONTENT_TYPE, "cache-control": "no-store" });
  });
}
