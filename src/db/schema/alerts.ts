import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A workspace's alert rules and notification channels, as last saved through the admin API (no row:
 * the default rules, no channel). `rules` is the JSON of AlertRules (src/alerts/rules.ts); `channels`
 * the non-secret channel settings (the generic webhook's URL); `sealed_channels` the AES-GCM sealed JSON
 * of the secrets (the Slack webhook URL, which is a credential, and the `whsec_` signing secret).
 * Times are epoch ms.
 */
export const alertSettings = sqliteTable("alert_settings", {
  workspace: text("workspace").primaryKey(),
  rules: text("rules", { mode: "json" }).$type<unknown>(),
  channels: text("channels", { mode: "json" }).$type<unknown>(),
  sealedChannels: text("sealed_channels"),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * What the evaluator last decided for one (workspace, rule, subject): `ok` or `firing` since `since`.
 * `notified` says whether the current firing episode was announced (a firing within the cooldown is
 * held back, and its resolve then too); `last_fired_at` is when a firing was last announced.
 * `version` increases on every change: alert ids are derived from it, so two overlapping cron ticks
 * cannot announce one transition twice. Only changes are written.
 */
export const alertStates = sqliteTable(
  "alert_states",
  {
    workspace: text("workspace").notNull(),
    rule: text("rule").notNull(),
    subject: text("subject").notNull(),
    status: text("status").notNull(),
    value: real("value"),
    since: integer("since").notNull(),
    notified: integer("notified", { mode: "boolean" }).notNull().default(false),
    lastFiredAt: integer("last_fired_at"),
    version: integer("version").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspace, t.rule, t.subject] })],
);

/** One announced transition (`firing` or `resolved`) of a rule for a subject: what the console lists. */
export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    rule: text("rule").notNull(),
    subject: text("subject").notNull(),
    kind: text("kind").notNull(),
    value: real("value"),
    threshold: real("threshold"),
    summary: text("summary").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("alerts_workspace_idx").on(t.workspace, t.createdAt)],
);

/**
 * One alert to send to one channel (`slack` or `webhook`): `pending` until the receiver answers 2xx
 * (`sent`), retried with backoff from `next_attempt_at`, `failed` after the last attempt.
 */
export const alertNotifications = sqliteTable(
  "alert_notifications",
  {
    id: text("id").primaryKey(),
    alertId: text("alert_id").notNull(),
    workspace: text("workspace").notNull(),
    channel: text("channel").notNull(),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    sentAt: integer("sent_at"),
  },
  (t) => [
    index("alert_notifications_due_idx").on(t.status, t.nextAttemptAt),
    index("alert_notifications_alert_idx").on(t.alertId),
  ],
);
