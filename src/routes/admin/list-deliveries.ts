import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES } from "../../deliveries/delivery-log";
import { listDeliveries } from "../../deliveries/delivery-log-reader";
import type { AppEnv } from "../../lib/env";
import { DISPOSITION_KINDS, parseDisposition } from "../../observability/dispositions";
import { problemResponses } from "../openapi";
import {
  DeliverySchema,
  decodeCursor,
  deliveryView,
  encodeCursor,
  epochMs,
  PageQuerySchema,
  TimeRangeSchema,
} from "./delivery-schemas";

/** GET /v1/admin/deliveries response. */
export const DeliveryListSchema = z
  .object({ data: z.array(DeliverySchema), nextCursor: z.string().nullable() })
  .openapi("DeliveryList");

/** GET /v1/admin/deliveries response. */
export type DeliveryList = z.infer<typeof DeliveryListSchema>;

const route = createRoute({
  method: "get",
  path: "/v1/admin/deliveries",
  operationId: "listDeliveries",
  tags: ["admin"],
  summary: "The delivery log, newest first, by source, disposition and time range",
  description:
    "Every request the edge received for a source: rejected ones at once, accepted ones once the pipeline has settled them (stored, merged, duplicate, ignored or dead-lettered). `disposition` filters by kind (`rejected`) or kind and cause (`rejected:signature_invalid`). Rows are kept for DELIVERY_LOG_RETENTION_DAYS (default 30).",
  security: [{ adminToken: [] }],
  request: {
    query: z
      .object({
        sourceId: z.string().min(1).max(64).optional(),
        status: z.enum(DELIVERY_STATUSES).optional(),
        disposition: z
          .string()
          .max(80)
          .refine((v) => parseDisposition(v) !== null, {
            message: `a disposition kind (${DISPOSITION_KINDS.join(", ")}), optionally with :<cause>`,
          })
          .optional()
          .openapi({ example: "rejected:signature_invalid" }),
      })
      .extend(TimeRangeSchema.shape)
      .extend(PageQuerySchema.shape),
  },
  responses: {
    200: { description: "Deliveries", content: { "application/json": { schema: DeliveryListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/deliveries. */
export function registerListDeliveries(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const after = decodeCursor(q.cursor);
    const page = await listDeliveries(c.env.DB, {
      sourceId: q.sourceId,
      status: q.status,
      disposition: q.disposition === undefined ? undefined : (parseDisposition(q.disposition) ?? undefined),
      from: epochMs(q.from),
      to: epochMs(q.to),
      limit: q.limit,
      after: after && { receivedAt: after.at, id: after.id },
    });
    return c.json(
      {
        data: page.data.map(deliveryView),
        nextCursor: encodeCursor(page.next && { at: page.next.receivedAt, id: page.next.id }),
      },
      200,
    );
  });
}
