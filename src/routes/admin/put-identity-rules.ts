import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { resolverFor } from "../../identity/resolver";
import { IdentityRulesSchema } from "../../identity/rules";
import { rulesView } from "../../identity/rules-view";
import type { AppEnv } from "../../lib/env";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { IdentityRulesViewSchema, WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  method: "put",
  path: "/v1/admin/workspaces/{workspace}/identity-rules",
  operationId: "setIdentityRules",
  tags: ["admin", "identity"],
  summary: "Replace a workspace's identity resolution rules",
  description:
    "Omitted fields take their defaults (`{}` restores the defaults). The change applies to events processed after it; profiles and merges made before are not re-resolved.",
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema,
    body: { required: true, content: { "application/json": { schema: IdentityRulesSchema } } },
  },
  responses: {
    200: {
      description: "The new rules",
      content: { "application/json": { schema: IdentityRulesViewSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers PUT /v1/admin/workspaces/{workspace}/identity-rules. */
export function registerPutIdentityRules(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    // Through the workspace's resolver: the change lands between two events, never inside one.
    const stored = await resolverFor(c.env, workspace).setRules(workspace, c.req.valid("json"));
    log.info("identity_rules_changed", { workspace, version: stored.version });
    return c.json(rulesView(stored), 200);
  });
}
