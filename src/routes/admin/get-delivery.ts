import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { DELIVERY_BODY_CAP } from "../../deliveries/delivery-log";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { deliveryDetail } from "../../views/delivery-detail";
import { problemResponses } from "../openapi";
import { DeliverySchema, deliveryView } from "./delivery-schemas";

/** GET /v1/admin/deliveries/{deliveryId} response. */
export const DeliveryDetailSchema = DeliverySchema.extend({
  workspace: z
    .string()
    .nullable()
    .openapi({ description: "The source's workspace (null if the source is gone)" }),
  headers: z.record(z.string(), z.string()).nullable().openapi({
    description:
      "The headers the sender's adapter forwards (content type, user agent, event topic, delivery ids; never a signature or credential). Null for rejections: their content is not kept.",
  }),
  body: z
    .string()
    .nullable()
    .openapi({
      description: `The body as received, its first ${DELIVERY_BODY_CAP} bytes. Null for rejections, bodies kept out of band (over the queue's message size), rows from before bodies were kept, and after the profile's erasure.`,
    }),
  bodyBytes: z.number().int().nullable().openapi({ description: "The body's full size in bytes" }),
  bodyTruncated: z.boolean(),
  deadLetterId: z
    .string()
    .nullable()
    .openapi({ description: "The dead letter holding this delivery, while there is one" }),
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      eventKey: z.string(),
      occurredAt: z.string(),
      profileId: z.string().openapi({ description: "The profile the event was stored on" }),
      liveProfileId: z
        .string()
        .openapi({ description: "The profile that has the event now (the survivor after a merge)" }),
    }),
  ),
}).openapi("DeliveryDetail");

/** GET /v1/admin/deliveries/{deliveryId} response. */
export type DeliveryDetailView = z.infer<typeof DeliveryDetailSchema>;

const route = createRoute({
  operationId: "getDelivery",
  method: "get",
  path: "/v1/admin/deliveries/{deliveryId}",
  tags: ["admin"],
  summary:
    "One delivery: disposition and reason, forwarded headers, the body (capped), and the events and profiles it produced",
  security: [{ adminToken: [] }],
  request: { params: z.object({ deliveryId: z.string().min(1).max(64) }) },
  responses: {
    200: { description: "The delivery", content: { "application/json": { schema: DeliveryDetailSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/deliveries/{deliveryId}. */
export function registerGetDelivery(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const detail = await deliveryDetail(c.env, c.req.valid("param").deliveryId);
    if (!detail) throw new ApiError("delivery_not_found");
    const view: DeliveryDetailView = {
      ...deliveryView(detail),
      workspace: detail.workspace,
      headers: detail.headers,
      body: detail.body,
      bodyBytes: detail.bodyBytes,
      bodyTruncated:
        detail.body !== null &&
        detail.bodyBytes !== null &&
        detail.bodyBytes > new TextEncoder().encode(detail.body).length,
      deadLetterId: detail.deadLetterId,
      events: detail.events.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt).toISOString() })),
    };
    return c.json(view, 200);
  });
}
