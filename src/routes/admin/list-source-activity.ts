import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { sourceActivity } from "../../deliveries/delivery-log-reader";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";

const HOUR = 3_600_000;

/** GET /v1/admin/source-activity response. */
export const SourceActivityListSchema = z
  .object({
    since: z.string().openapi({ description: "Start of the rejection-count window (ISO-8601)" }),
    data: z.array(
      z.object({
        sourceId: z.string(),
        lastDeliveryAt: z
          .string()
          .nullable()
          .openapi({ description: "Newest delivery in the log, any disposition (ISO-8601)" }),
        rejectedTotal: z.number().int(),
        rejections: z.array(z.object({ reason: z.string(), count: z.number().int() })),
      }),
    ),
  })
  .openapi("SourceActivityList");

/** GET /v1/admin/source-activity response. */
export type SourceActivityList = z.infer<typeof SourceActivityListSchema>;

const route = createRoute({
  operationId: "listSourceActivity",
  method: "get",
  path: "/v1/admin/source-activity",
  tags: ["admin"],
  summary: "Last delivery and rejection counts per reason, for up to 100 sources at once",
  description:
    "What the console's sources list shows next to each source, in one call: the newest delivery in the log and the rejections per reason over the last `hours` (default 24).",
  security: [{ adminToken: [] }],
  request: {
    query: z.object({
      sourceId: z
        .union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).max(100)])
        .optional()
        .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]))
        .openapi({
          description: "Repeat for each source (at most 100); none: the 100 newest sources",
          example: "src_01J...",
        }),
      hours: z.coerce
        .number()
        .int()
        .min(1)
        .max(24 * 30)
        .default(24),
    }),
  },
  responses: {
    200: {
      description: "One entry per source asked for",
      content: { "application/json": { schema: SourceActivityListSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/source-activity. */
export function registerListSourceActivity(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { hours, sourceId } = c.req.valid("query");
    const ids =
      sourceId ??
      (
        await c.env.DB.prepare("SELECT id FROM sources ORDER BY created_at DESC LIMIT 100").all<{
          id: string;
        }>()
      ).results.map((r) => r.id);
    const since = Date.now() - hours * HOUR;
    const activity = await sourceActivity(c.env.DB, ids, since);
    return c.json(
      {
        since: new Date(since).toISOString(),
        data: activity.map((a) => ({
          sourceId: a.sourceId,
          lastDeliveryAt: a.lastDeliveryAt === null ? null : new Date(a.lastDeliveryAt).toISOString(),
          rejectedTotal: a.rejections.reduce((sum, r) => sum + r.count, 0),
          rejections: a.rejections,
        })),
      },
      200,
    );
  });
}
