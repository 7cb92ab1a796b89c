import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AlertMessage } from "../../../alerts/notify";
import type { AppEnv } from "../../../lib/env";
import { problemResponses } from "../../openapi";
import { decodeCursor, encodeCursor } from "../delivery-schemas";
import { type Alert, AlertListSchema, WorkspaceQuerySchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/alerts",
  operationId: "listAlerts",
  tags: ["admin", "alerts"],
  summary: "List a workspace's recent alerts (newest first, by cursor page) and what is firing now",
  security: [{ adminToken: [] }],
  request: {
    query: WorkspaceQuerySchema.extend({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .openapi({ description: "`nextCursor` of the previous page" }),
    }),
  },
  responses: {
    200: { description: "Alerts", content: { "application/json": { schema: AlertListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

interface NotificationRow {
  alert_id: string;
  channel: "slack" | "webhook";
  status: "pending" | "sent" | "failed";
  attempts: number;
  last_error: string | null;
  sent_at: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Registers GET /v1/admin/alerts. */
export function registerListAlerts(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace, limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor);
    const db = c.env.DB;
    const [alertRows, firingRows] = await db.batch([
      db
        .prepare(
          `SELECT id, workspace, rule, subject, kind, value, threshold, summary, created_at AS createdAt FROM alerts
           WHERE workspace = ? ${before ? "AND (created_at, id) < (?, ?)" : ""}
           ORDER BY created_at DESC, id DESC LIMIT ?`,
        )
        .bind(workspace, ...(before ? [before.at, before.id] : []), limit + 1),
      db
        .prepare(
          "SELECT rule, subject, since, value FROM alert_states WHERE workspace = ? AND status = 'firing' ORDER BY since",
        )
        .bind(workspace),
    ]);
    // The row is the alert as it was announced: the same type the notifier sends.
    const rows = alertRows!.results as unknown as AlertMessage[];
    const alerts = rows.slice(0, limit);
    const last = alerts.at(-1);
    const notifications =
      alerts.length === 0
        ? []
        : ((
            await db
              .prepare(
                `SELECT alert_id, channel, status, attempts, last_error, sent_at FROM alert_notifications
                 WHERE alert_id IN (${alerts.map(() => "?").join(",")}) ORDER BY channel`,
              )
              .bind(...alerts.map((a) => a.id))
              .all<NotificationRow>()
          ).results ?? []);
    const data: Alert[] = alerts.map((a) => ({
      id: a.id,
      workspace: a.workspace,
      rule: a.rule,
      subject: a.subject,
      kind: a.kind,
      value: a.value,
      threshold: a.threshold,
      summary: a.summary,
      createdAt: iso(a.createdAt),
      notifications: notifications
        .filter((n) => n.alert_id === a.id)
        .map((n) => ({
          channel: n.channel,
          status: n.status,
          attempts: n.attempts,
          lastError: n.last_error,
          sentAt: n.sent_at === null ? null : iso(n.sent_at),
        })),
    }));
    const firing = (
      firingRows!.results as { rule: string; subject: string; since: number; value: number | null }[]
    ).map((f) => ({ rule: f.rule, subject: f.subject, since: iso(f.since), value: f.value }));
    const nextCursor = encodeCursor(rows.length > limit && last ? { at: last.createdAt, id: last.id } : null);
    return c.json({ data, firing, nextCursor }, 200);
  });
}
