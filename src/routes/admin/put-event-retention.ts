import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { saveRetentionSetting } from "../../cron/retention-settings";
import type { AppEnv } from "../../lib/env";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { EventRetentionInputSchema, EventRetentionViewSchema } from "./event-retention-schemas";
import { eventRetentionView } from "./get-event-retention";
import { WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  operationId: "setEventRetention",
  method: "put",
  path: "/v1/admin/workspaces/{workspace}/event-retention",
  tags: ["admin", "events"],
  summary: "Set a workspace's event retention window",
  description:
    'Sets how many days D1 keeps a stored event\'s body (1–36500) before only the archive has it; `{"days": null}` removes the setting so the configured window applies. The cron applies it from its next tick, in bounded batches; shortening the window never loses an event (rows are archived before they are emptied), and lengthening it does not bring back bodies already aged out (they stay readable from the archive).',
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema,
    body: { required: true, content: { "application/json": { schema: EventRetentionInputSchema } } },
  },
  responses: {
    200: {
      description: "The window now in force",
      content: { "application/json": { schema: EventRetentionViewSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers PUT /v1/admin/workspaces/{workspace}/event-retention. */
export function registerPutEventRetention(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    const { days } = c.req.valid("json");
    await saveRetentionSetting(c.env.DB, workspace, days, Date.now());
    log.info("event_retention_changed", { workspace, days });
    return c.json(await eventRetentionView(c.env, workspace), 200);
  });
}
