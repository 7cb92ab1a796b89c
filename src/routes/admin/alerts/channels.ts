import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Channels } from "../../../alerts/settings";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { assertConfiguredTarget } from "../../../lib/outbound/configured";
import { isWebhookSecret, newWebhookSecret } from "../../../lib/standard-webhooks";
import { problemResponses } from "../../openapi";
import {
  AlertChannelsInputSchema,
  type AlertChannelsView,
  AlertChannelsViewSchema,
  WorkspaceQuerySchema,
} from "./schemas";

const getRoute = createRoute({
  method: "get",
  path: "/v1/admin/alerts/channels",
  operationId: "getAlertChannels",
  tags: ["admin", "alerts"],
  summary: "Get a workspace's alert notification channels (without their secrets)",
  security: [{ adminToken: [] }],
  request: { query: WorkspaceQuerySchema },
  responses: {
    200: {
      description: "The channels",
      content: { "application/json": { schema: AlertChannelsViewSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/v1/admin/alerts/channels",
  operationId: "updateAlertChannels",
  tags: ["admin", "alerts"],
  summary: "Set a workspace's alert channels: a Slack incoming webhook and a Standard Webhooks receiver",
  description:
    "An omitted channel is kept, `null` removes it. Each URL is checked against the outbound policy when saved. The webhook secret is generated when none is given or stored, and shown only in this answer.",
  security: [{ adminToken: [] }],
  request: {
    query: WorkspaceQuerySchema,
    body: { required: true, content: { "application/json": { schema: AlertChannelsInputSchema } } },
  },
  responses: {
    200: {
      description: "The channels",
      content: { "application/json": { schema: AlertChannelsViewSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET and PUT /v1/admin/alerts/channels. */
export function registerAlertChannels(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const { workspace } = c.req.valid("query");
    const channels = await c.var.services.alertSettings.channels(workspace);
    return c.json(view(workspace, channels), 200);
  });
  app.openapi(putRoute, async (c) => {
    const { workspace } = c.req.valid("query");
    const input = c.req.valid("json");
    assertConfiguredTarget(c.env, "slack.url", input.slack?.url);
    assertConfiguredTarget(c.env, "webhook.url", input.webhook?.url);
    if (input.webhook?.secret !== undefined && !isWebhookSecret(input.webhook.secret))
      throw new ApiError("invalid_secret", "webhook.secret: `whsec_` + base64 of 16-64 bytes");
    const store = c.var.services.alertSettings;
    const current = await store.channels(workspace);
    const next: Channels = {};
    const slackUrl = input.slack === undefined ? current.slackUrl : input.slack?.url;
    if (slackUrl) next.slackUrl = slackUrl;
    let generated: string | undefined;
    if (input.webhook) {
      if (input.webhook.secret === undefined && !current.webhook) generated = newWebhookSecret();
      const secret = input.webhook.secret ?? current.webhook?.secret ?? generated!;
      next.webhook = { url: input.webhook.url, secret };
    } else if (input.webhook === undefined && current.webhook) next.webhook = current.webhook;
    await store.setChannels(workspace, next, Date.now());
    log.info("alert_channels_changed", { workspace, slack: !!next.slackUrl, webhook: !!next.webhook });
    return c.json({ ...view(workspace, next), ...(generated ? { secret: generated } : {}) }, 200);
  });
}

function view(workspace: string, channels: Channels): AlertChannelsView {
  return {
    workspace,
    slack: channels.slackUrl ? { host: new URL(channels.slackUrl).host } : null,
    webhook: channels.webhook ? { url: channels.webhook.url } : null,
  };
}
