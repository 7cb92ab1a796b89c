import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { database } from "../../db/client";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { SourceStore } from "../../sources/store";
import { WriteKeyStore } from "../../sources/write-keys";
import { problemResponses } from "../openapi";
import { SourceIdParamSchema } from "./source-schemas";
import { WriteKeyListSchema, writeKeyView } from "./write-key-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/sources/{sourceId}/write-keys",
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
    const db = database(c.env.DB);
    if (!(await new SourceStore(db, c.env.SECRETS_KEY).getPublic(sourceId)))
      throw new ApiError("source_not_found");
    const keys = await new WriteKeyStore(db).list(sourceId);
    return c.json({ data: keys.map(writeKeyView) }, 200);
  });
}
