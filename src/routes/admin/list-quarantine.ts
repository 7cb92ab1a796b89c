import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { workspaceDb } from "../../db/workspace-db";
import { listQuarantine } from "../../identity/quarantine";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { QuarantineListSchema, WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/workspaces/{workspace}/quarantine",
  operationId: "listQuarantine",
  tags: ["admin", "identity"],
  summary: "List quarantined identifier values (they no longer match or merge), newest first",
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  },
  responses: {
    200: {
      description: "Quarantined values",
      content: { "application/json": { schema: QuarantineListSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/workspaces/{workspace}/quarantine. */
export function registerListQuarantine(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    return c.json(
      {
        workspace,
        data: await listQuarantine(workspaceDb(c.env, workspace), workspace, c.req.valid("query").limit),
      },
      200,
    );
  });
}
