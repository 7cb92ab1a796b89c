import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { overview } from "../../views/overview";
import { problemResponses } from "../openapi";

const count = z.number().int();
const reasonCounts = z.array(z.object({ reason: z.string(), count }));

/** GET /v1/admin/overview response. */
export const OverviewSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string() }),
    perMinute: z
      .object({
        minutes: z
          .array(z.string())
          .openapi({ description: "Start of each minute (ISO-8601), oldest first" }),
        counts: z.record(z.string(), z.array(count)).openapi({
          description:
            "Per disposition kind (stored, merged, duplicate, ignored, rejected, dead_lettered, replayed), one count per minute; kinds with no delivery in the window are absent",
        }),
      })
      .openapi({ description: "Deliveries per minute by disposition, from the delivery log" }),
    totals: z
      .record(z.string(), count)
      .openapi({ description: "Deliveries in the window per disposition kind" }),
    topRejections: reasonCounts.openapi({
      description: "The 10 most frequent rejection reasons in the window",
    }),
    queues: z
      .array(z.object({ queue: z.string(), pending: count, backlogSeconds: count }))
      .nullable()
      .openapi({ description: "Queue backlog (null when the metrics aggregator is unreachable)" }),
    deadLetters: z.object({ total: count, byReason: reasonCounts }),
    failingPollJobs: z.array(
      z.object({
        sourceId: z.string(),
        status: z.string(),
        lastError: z.string().nullable(),
        lastErrorAt: z.string().nullable(),
        lastSuccessAt: z.string().nullable(),
        failedRuns: count,
      }),
    ),
    openBreakers: z.array(
      z.object({
        workspace: z.string(),
        extension: z.string(),
        state: z.enum(["open", "half_open"]),
        openedAt: z.string().nullable(),
      }),
    ),
    recentAlerts: z.array(
      z.object({
        id: z.string(),
        workspace: z.string(),
        rule: z.string(),
        subject: z.string(),
        kind: z.string(),
        summary: z.string(),
        createdAt: z.string(),
      }),
    ),
  })
  .openapi("Overview");

/** GET /v1/admin/overview response. */
export type OverviewView = z.infer<typeof OverviewSchema>;

const route = createRoute({
  operationId: "getOverview",
  method: "get",
  path: "/v1/admin/overview",
  tags: ["admin"],
  summary:
    "The gateway at a glance: deliveries per minute by disposition, rejections, backlog, dead letters, failing poll jobs, open breakers, alerts",
  description:
    "All workspaces. The delivery counts cover the last `hours` (default 3, at most 24), in whole minutes up to the current one.",
  security: [{ adminToken: [] }],
  request: { query: z.object({ hours: z.coerce.number().int().min(1).max(24).default(3) }) },
  responses: {
    200: { description: "The overview", content: { "application/json": { schema: OverviewSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Registers GET /v1/admin/overview. */
export function registerGetOverview(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const o = await overview(c.env, c.req.valid("query").hours);
    const view: OverviewView = {
      window: { from: iso(o.window.from), to: iso(o.window.to) },
      perMinute: { minutes: o.perMinute.minutes.map(iso), counts: o.perMinute.counts },
      totals: o.totals,
      topRejections: o.topRejections,
      queues: o.queues,
      deadLetters: o.deadLetters,
      failingPollJobs: o.failingPollJobs.map((j) => ({
        ...j,
        lastErrorAt: isoOrNull(j.lastErrorAt),
        lastSuccessAt: isoOrNull(j.lastSuccessAt),
      })),
      openBreakers: o.openBreakers.map((b) => ({ ...b, openedAt: isoOrNull(b.openedAt) })),
      recentAlerts: o.recentAlerts.map((a) => ({ ...a, createdAt: iso(a.createdAt) })),
    };
    return c.json(view, 200);
  });
}
