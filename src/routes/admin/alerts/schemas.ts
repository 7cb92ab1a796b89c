import { z } from "@hono/zod-openapi";
import { AlertRulesSchema } from "../../../alerts/rules";

/** `?workspace=` of the alert routes. */
export const WorkspaceQuerySchema = z.object({
  workspace: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower-case letters, digits, _ and -"),
});

/** GET/PUT /v1/admin/alerts/rules response. */
export const AlertRulesViewSchema = z
  .object({ workspace: z.string(), rules: AlertRulesSchema })
  .openapi("AlertRulesView");

/** The rules view as the admin API returns it. */
export type AlertRulesView = z.infer<typeof AlertRulesViewSchema>;

/** An https:// URL without user:password (credentials would show in responses and logs). */
const HttpsUrl = z
  .url()
  .max(2048)
  .refine((u) => new URL(u).protocol === "https:", { message: "an https:// URL" })
  .refine((u) => !new URL(u).username && !new URL(u).password, { message: "no credentials in the URL" });

/**
 * PUT /v1/admin/alerts/channels body. An omitted channel is kept as it is, `null` removes it. The
 * webhook's `secret` (`whsec_` + base64 of 16-64 bytes) is kept when omitted, or generated on first
 * configuration and then shown once, in this answer.
 */
export const AlertChannelsInputSchema = z
  .object({
    slack: z
      .object({ url: HttpsUrl.openapi({ description: "Slack incoming webhook URL (stored sealed)" }) })
      .strict()
      .nullable()
      .optional(),
    webhook: z
      .object({
        url: HttpsUrl,
        secret: z.string().max(200).optional().openapi({ description: "whsec_… signing secret" }),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict()
  .openapi("AlertChannelsInput");

/** PUT /v1/admin/alerts/channels body. */
export type AlertChannelsInput = z.infer<typeof AlertChannelsInputSchema>;

/** The channels as the admin API shows them: never the Slack URL (a credential) nor the secret. */
export const AlertChannelsViewSchema = z
  .object({
    workspace: z.string(),
    slack: z.object({ host: z.string() }).nullable(),
    webhook: z.object({ url: z.string() }).nullable(),
    secret: z
      .string()
      .optional()
      .openapi({ description: "Only in the answer to the PUT that generated the webhook secret" }),
  })
  .openapi("AlertChannelsView");

/** The channels view. */
export type AlertChannelsView = z.infer<typeof AlertChannelsViewSchema>;

/** One announced alert with its notifications. Times are ISO 8601. */
export const AlertSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    rule: z.string(),
    subject: z.string(),
    kind: z.enum(["firing", "resolved"]),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    summary: z.string(),
    createdAt: z.string(),
    notifications: z.array(
      z.object({
        channel: z.enum(["slack", "webhook"]),
        status: z.enum(["pending", "sent", "failed"]),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
        sentAt: z.string().nullable(),
      }),
    ),
  })
  .openapi("Alert");

/** One alert as listed. */
export type Alert = z.infer<typeof AlertSchema>;

/** GET /v1/admin/alerts response: newest first, and what is firing now. */
export const AlertListSchema = z
  .object({
    data: z.array(AlertSchema),
    firing: z.array(
      z.object({ rule: z.string(), subject: z.string(), since: z.string(), value: z.number().nullable() }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("AlertList");

/** GET /v1/admin/alerts response. */
export type AlertList = z.infer<typeof AlertListSchema>;
