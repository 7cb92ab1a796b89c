import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getDeadLetter } from "../../deliveries/dead-letter-store";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import {
  DeadLetterIdParamSchema,
  DeadLetterSchema,
  type DeadLetterView,
  deadLetterView,
} from "./delivery-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/dead-letters/{deadLetterId}",
  operationId: "getDeadLetter",
  tags: ["admin"],
  summary: "Inspect a dead letter: why it failed, after how many attempts, and the original message",
  security: [{ adminToken: [] }],
  request: { params: DeadLetterIdParamSchema },
  responses: {
    200: { description: "The dead letter", content: { "application/json": { schema: DeadLetterSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/dead-letters/{deadLetterId}. */
export function registerGetDeadLetter(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const deadLetter = await getDeadLetter(c.env.DB, c.req.valid("param").deadLetterId);
    if (!deadLetter) throw new ApiError("dead_letter_not_found");
    const view: DeadLetterView = { ...deadLetterView(deadLetter), message: deadLetter.message ?? null };
    return c.json(view, 200);
  });
}
