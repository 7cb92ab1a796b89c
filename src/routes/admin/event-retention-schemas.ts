import { z } from "@hono/zod-openapi";

/** GET/PUT /v1/admin/workspaces/{workspace}/event-retention response. */
export const EventRetentionViewSchema = z
  .object({
    workspace: z.string(),
    days: z.number().int().openapi({
      description: "Days D1 keeps a stored event's body; older events are read from the archive (R2)",
    }),
    origin: z.enum(["workspace_setting", "workspace_config", "config", "default"]).openapi({
      description:
        "Where `days` comes from: this workspace's setting (set here), WORKSPACE_EVENT_RETENTION_DAYS, EVENT_RETENTION_DAYS, or the built-in 90",
    }),
    configuredDays: z.number().int().openapi({
      description: "The window the configuration gives this workspace (what applies without a setting)",
    }),
    updatedAt: z.string().nullable().openapi({ description: "When the setting was last changed (ISO-8601)" }),
  })
  .openapi("EventRetention");

/** An event retention view as the admin API returns it. */
export type EventRetentionView = z.infer<typeof EventRetentionViewSchema>;

/** PUT /v1/admin/workspaces/{workspace}/event-retention body. */
export const EventRetentionInputSchema = z
  .object({
    days: z.number().int().min(1).max(36_500).nullable().openapi({
      description: "1–36500 days; null removes the workspace's setting (the configured window applies)",
    }),
  })
  .strict()
  .openapi("EventRetentionInput");

/** The PUT body. */
export type EventRetentionInput = z.infer<typeof EventRetentionInputSchema>;
