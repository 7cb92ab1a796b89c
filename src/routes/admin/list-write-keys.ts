import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { SourceIdParamSchema } from "./source-schemas";
import { WriteKeyListSchema, writeKeyView } from "./write-key-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources/{sourceId}/write-keys",
  operationId: "listWriteKeys",
  tags: ["admin"],
  summary: "List a source's write keys (prefixes only, revoked ones included)",
  security: [{ adminToken: [] }],
  request: { params: SourceIdParamSchema },
  responses: {
    200: {
      description: "Write keys, newest first",
      content: { "application/json": { schema: WriteKeyListSchema } },
    },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/sources/{sourceId}/write-keys. */
export function registerListWriteKeys(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    if (!(await c.var.services.sources.getPublic(sourceId))) throw new ApiError("source_not_found");
    const keys = await c.var.services.writeKeys.list(sourceId);
    return c.json({ data: keys.map(writeKeyView) }, 200);
  });
}
