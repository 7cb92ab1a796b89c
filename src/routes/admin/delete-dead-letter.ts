import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { deleteDeadLetters } from "../../deliveries/dead-letter-store";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { DeadLetterIdParamSchema } from "./delivery-schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/dead-letters/{deadLetterId}",
  operationId: "deleteDeadLetter",
  tags: ["admin"],
  summary: "Delete a dead letter without replaying it",
  security: [{ adminToken: [] }],
  request: { params: DeadLetterIdParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404, 503) },
});

/** Registers DELETE /v1/admin/dead-letters/{deadLetterId}. */
export function registerDeleteDeadLetter(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { deadLetterId } = c.req.valid("param");
    if ((await deleteDeadLetters(c.env.DB, [deadLetterId])) === 0)
      throw new ApiError("dead_letter_not_found");
    log.info("dead_letter_deleted", { deadLetterId });
    return c.body(null, 204);
  });
}
