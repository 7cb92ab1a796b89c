import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { findDeadLetters } from "../../deliveries/dead-letter-store";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import {
  DeadLetterFilterSchema,
  DeadLetterSummarySchema,
  deadLetterView,
  decodeCursor,
  encodeCursor,
  epochMs,
  PageQuerySchema,
} from "./delivery-schemas";

/** GET /v1/admin/dead-letters response. */
export const DeadLetterListSchema = z
  .object({ data: z.array(DeadLetterSummarySchema), nextCursor: z.string().nullable() })
  .openapi("DeadLetterList");

/** GET /v1/admin/dead-letters response. */
export type DeadLetterList = z.infer<typeof DeadLetterListSchema>;

const route = createRoute({
  method: "get",
  path: "/v1/admin/dead-letters",
  operationId: "listDeadLetters",
  tags: ["admin"],
  summary: "List dead letters, newest first, by source, reason and time range",
  security: [{ adminToken: [] }],
  request: { query: DeadLetterFilterSchema.extend(PageQuerySchema.shape) },
  responses: {
    200: { description: "Dead letters", content: { "application/json": { schema: DeadLetterListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/dead-letters. */
export function registerListDeadLetters(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const after = decodeCursor(q.cursor);
    const page = await findDeadLetters(c.env.DB, {
      sourceId: q.sourceId,
      reason: q.reason,
      from: epochMs(q.from),
      to: epochMs(q.to),
      limit: q.limit,
      after: after && { createdAt: after.at, id: after.id },
    });
    return c.json(
      {
        data: page.data.map(deadLetterView),
        nextCursor: encodeCursor(page.next && { at: page.next.createdAt, id: page.next.id }),
      },
      200,
    );
  });
}
