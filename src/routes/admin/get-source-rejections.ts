import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { rejectionCounts } from "../../deliveries/delivery-log-reader";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { epochMs, TimeRangeSchema } from "./delivery-schemas";
import { SourceIdParamSchema } from "./source-schemas";

/** GET /v1/admin/sources/{sourceId}/rejections response. */
export const SourceRejectionsSchema = z
  .object({
    sourceId: z.string(),
    total: z.number().int(),
    reasons: z.array(
      z.object({
        reason: z.string().openapi({ description: "The error code the sender got, e.g. signature_invalid" }),
        count: z.number().int(),
      }),
    ),
  })
  .openapi("SourceRejections");

/** GET /v1/admin/sources/{sourceId}/rejections response. */
export type SourceRejections = z.infer<typeof SourceRejectionsSchema>;

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources/{sourceId}/rejections",
  operationId: "listSourceRejections",
  tags: ["admin"],
  summary: "How many of a source's deliveries were rejected, per reason, in a time range",
  security: [{ adminToken: [] }],
  request: { params: SourceIdParamSchema, query: TimeRangeSchema },
  responses: {
    200: {
      description: "Counts per reason, most frequent first (within the delivery log's retention)",
      content: { "application/json": { schema: SourceRejectionsSchema } },
    },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/sources/{sourceId}/rejections. */
export function registerGetSourceRejections(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const { from, to } = c.req.valid("query");
    const source = await c.var.services.sources.getPublic(sourceId);
    if (!source) throw new ApiError("source_not_found");
    const reasons = await rejectionCounts(c.env.DB, sourceId, { from: epochMs(from), to: epochMs(to) });
    return c.json({ sourceId, total: reasons.reduce((sum, r) => sum + r.count, 0), reasons }, 200);
  });
}
