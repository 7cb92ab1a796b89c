import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import { listRejections } from "../../../enrichment/rejections";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { problemResponses } from "../../openapi";
import { decodeCursor, encodeCursor, PageQuerySchema } from "../delivery-schemas";
import { ExtensionIdParamSchema, RejectionSchema } from "./schemas";

/** GET /v1/admin/extensions/{extensionId}/rejections response. */
export const RejectionListSchema = z
  .object({ data: z.array(RejectionSchema), nextCursor: z.string().nullable() })
  .openapi("ExtensionRejectionList");

const route = createRoute({
  method: "get",
  path: "/v1/admin/extensions/{extensionId}/rejections",
  operationId: "listExtensionRejections",
  tags: ["admin"],
  summary: "Events the extension rejected (not stored), newest first, with the reason",
  security: [{ adminToken: [] }],
  request: {
    params: ExtensionIdParamSchema,
    query: PageQuerySchema,
  },
  responses: {
    200: { description: "Rejected events", content: { "application/json": { schema: RejectionListSchema } } },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/extensions/{extensionId}/rejections. */
export function registerListExtensionRejections(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { extensionId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "extensions", extensionId);
    if (!db || !(await c.var.services.extensions(db).get(extensionId)))
      throw new ApiError("extension_not_found");
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const page = await listRejections(db, extensionId, limit, after && { createdAt: after.at, id: after.id });
    return c.json(
      {
        data: page.data.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })),
        nextCursor: encodeCursor(page.next && { at: page.next.createdAt, id: page.next.id }),
      },
      200,
    );
  });
}
