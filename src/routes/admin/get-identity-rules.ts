import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { workspaceDb } from "../../db/workspace-db";
import { loadRules } from "../../identity/rules-store";
import { rulesView } from "../../identity/rules-view";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { IdentityRulesViewSchema, WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/workspaces/{workspace}/identity-rules",
  operationId: "getIdentityRules",
  tags: ["admin", "identity"],
  summary: "Get a workspace's identity resolution rules (the defaults until changed)",
  security: [{ adminToken: [] }],
  request: { params: WorkspaceParamSchema },
  responses: {
    200: { description: "The rules", content: { "application/json": { schema: IdentityRulesViewSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/workspaces/{workspace}/identity-rules. */
export function registerGetIdentityRules(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    return c.json(rulesView(await loadRules(workspaceDb(c.env, workspace), workspace)), 200);
  });
}
