import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { AlertRulesSchema } from "../../../alerts/rules";
import type { AppEnv } from "../../../lib/env";
import { log } from "../../../lib/log";
import { problemResponses } from "../../openapi";
import { AlertRulesViewSchema, WorkspaceQuerySchema } from "./schemas";

const getRoute = createRoute({
  method: "get",
  path: "/v1/admin/alerts/rules",
  operationId: "getAlertRules",
  tags: ["admin", "alerts"],
  summary: "Get a workspace's alert rules (the defaults until changed)",
  security: [{ adminToken: [] }],
  request: { query: WorkspaceQuerySchema },
  responses: {
    200: { description: "The rules", content: { "application/json": { schema: AlertRulesViewSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/v1/admin/alerts/rules",
  operationId: "updateAlertRules",
  tags: ["admin", "alerts"],
  summary: "Replace a workspace's alert rules",
  description:
    "Omitted fields take their defaults (`{}` restores the defaults). Applies from the next cron tick.",
  security: [{ adminToken: [] }],
  request: {
    query: WorkspaceQuerySchema,
    body: { required: true, content: { "application/json": { schema: AlertRulesSchema } } },
  },
  responses: {
    200: { description: "The new rules", content: { "application/json": { schema: AlertRulesViewSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET and PUT /v1/admin/alerts/rules. */
export function registerAlertRules(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const { workspace } = c.req.valid("query");
    const rules = await c.var.services.alertSettings.rules(workspace);
    return c.json({ workspace, rules }, 200);
  });
  app.openapi(putRoute, async (c) => {
    const { workspace } = c.req.valid("query");
    const rules = c.req.valid("json");
    await c.var.services.alertSettings.setRules(workspace, rules, Date.now());
    log.info("alert_rules_changed", { workspace });
    return c.json({ workspace, rules }, 200);
  });
}
