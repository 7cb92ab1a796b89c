import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { retentionWindow } from "../../cron/event-retention";
import { retentionSetting } from "../../cron/retention-settings";
import type { AppEnv, Env } from "../../lib/env";
import { problemResponses } from "../openapi";
import { type EventRetentionView, EventRetentionViewSchema } from "./event-retention-schemas";
import { WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  operationId: "getEventRetention",
  method: "get",
  path: "/v1/admin/workspaces/{workspace}/event-retention",
  tags: ["admin", "events"],
  summary: "Get a workspace's event retention window (how long D1 keeps event bodies)",
  security: [{ adminToken: [] }],
  request: { params: WorkspaceParamSchema },
  responses: {
    200: {
      description: "The window in force",
      content: { "application/json": { schema: EventRetentionViewSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** The retention view of `workspace`: the window in force, its origin and the configured one. */
export async function eventRetentionView(env: Env, workspace: string): Promise<EventRetentionView> {
  const setting = await retentionSetting(env.DB, workspace);
  const window = retentionWindow(env, workspace, setting?.days);
  return {
    workspace,
    days: window.days,
    origin: window.origin,
    configuredDays: retentionWindow(env, workspace).days,
    updatedAt: setting ? new Date(setting.updatedAt).toISOString() : null,
  };
}

/** Registers GET /v1/admin/workspaces/{workspace}/event-retention. */
export function registerGetEventRetention(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    return c.json(await eventRetentionView(c.env, workspace), 200);
  });
}
