import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { guardedFetch, OutboundRefused, outboundPolicy } from "../lib/outbound/guard";
import { standardWebhookHeaders } from "../lib/standard-webhooks";
import { AlertSettingsStore, type Channels } from "./settings";

/** An announced alert as it is sent (and listed). Times are epoch ms. */
export interface AlertMessage {
  id: string;
  workspace: string;
  rule: string;
  subject: string;
  kind: "firing" | "resolved";
  value: number | null;
  threshold: number | null;
  summary: string;
  createdAt: number;
}

/** Notifications sent at most per cron tick; the rest wait for the next tick. */
export const MAX_SENDS_PER_TICK = 25;
/** Attempts per notification before it is recorded `failed`. */
export const MAX_ATTEMPTS = 6;
/** A receiver gets this long to answer, ms. */
const SEND_TIMEOUT_MS = 5_000;

/** Delay before attempt `attempts + 1`: 1, 2, 4, 8, 16 minutes. */
function retryDelayMs(attempts: number): number {
  return 60_000 * 2 ** Math.max(0, attempts - 1);
}

/** The Slack incoming-webhook body: one line of text. @see https://api.slack.com/messaging/webhooks */
export function slackBody(alert: AlertMessage): string {
  const mark = alert.kind === "firing" ? ":rotating_light: Firing" : ":white_check_mark: Resolved";
  return JSON.stringify({ text: `${mark} [${alert.workspace}] ${alert.rule}: ${alert.summary}` });
}

/**
 * The generic webhook body, shaped as the Standard Webhooks spec recommends (`type`, `timestamp`,
 * `data`): `type` is `alert.firing` or `alert.resolved`.
 */
export function webhookBody(alert: AlertMessage): string {
  return JSON.stringify({
    type: `alert.${alert.kind}`,
    timestamp: new Date(alert.createdAt).toISOString(),
    data: {
      id: alert.id,
      workspace: alert.workspace,
      rule: alert.rule,
      subject: alert.subject,
      status: alert.kind,
      value: alert.value,
      threshold: alert.threshold,
      summary: alert.summary,
    },
  });
}

interface DueRow {
  id: string;
  channel: "slack" | "webhook";
  attempts: number;
  alert_id: string;
  workspace: string;
  rule: string;
  subject: string;
  kind: "firing" | "resolved";
  value: number | null;
  threshold: number | null;
  summary: string;
  created_at: number;
}

/**
 * Sends the due notifications (pending, next attempt reached), oldest first, at most
 * {@link MAX_SENDS_PER_TICK}. A 2xx answer marks one `sent`; anything else (non-2xx, network error,
 * timeout) is retried with backoff up to {@link MAX_ATTEMPTS}, then `failed`; a refused target or a
 * removed channel fails at once. The error recorded is a status or a cause, never a URL (a Slack URL
 * is a credential). Never throws for a receiver's failure.
 * @returns notifications sent
 * @throws D1 errors
 */
export async function sendDueNotifications(env: Env, now: number): Promise<number> {
  const due = (
    await env.DB.prepare(
      `SELECT n.id, n.channel, n.attempts, a.id AS alert_id, a.workspace, a.rule, a.subject, a.kind, a.value,
         a.threshold, a.summary, a.created_at
       FROM alert_notifications n JOIN alerts a ON a.id = n.alert_id
       WHERE n.status = 'pending' AND n.next_attempt_at <= ? ORDER BY n.next_attempt_at LIMIT ?`,
    )
      .bind(now, MAX_SENDS_PER_TICK)
      .all<DueRow>()
  ).results;
  const store = new AlertSettingsStore(env.DB, env.SECRETS_KEY);
  const channels = new Map<string, Promise<Channels>>();
  let sent = 0;
  for (const row of due) {
    if (!channels.has(row.workspace)) channels.set(row.workspace, store.channels(row.workspace));
    const alert: AlertMessage = {
      id: row.alert_id,
      workspace: row.workspace,
      rule: row.rule,
      subject: row.subject,
      kind: row.kind,
      value: row.value,
      threshold: row.threshold,
      summary: row.summary,
      createdAt: row.created_at,
    };
    const result = await sendOne(env, row, alert, await channels.get(row.workspace)!);
    const attempts = row.attempts + 1;
    const status = result.ok ? "sent" : result.final || attempts >= MAX_ATTEMPTS ? "failed" : "pending";
    if (result.ok) sent++;
    else
      log.warn("alert_notification_failed", {
        id: row.id,
        channel: row.channel,
        attempts,
        error: result.error,
      });
    await env.DB.prepare(
      `UPDATE alert_notifications SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ?
       WHERE id = ?`,
    )
      .bind(
        status,
        attempts,
        now + retryDelayMs(attempts),
        result.ok ? null : result.error,
        result.ok ? now : null,
        row.id,
      )
      .run();
  }
  return sent;
}

type SendResult = { ok: true } | { ok: false; final: boolean; error: string };

async function sendOne(env: Env, row: DueRow, alert: AlertMessage, channels: Channels): Promise<SendResult> {
  let url: string;
  let body: string;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "tributary-alerts/1",
  };
  if (row.channel === "slack") {
    if (!channels.slackUrl) return { ok: false, final: true, error: "channel removed" };
    url = channels.slackUrl;
    body = slackBody(alert);
  } else {
    if (!channels.webhook) return { ok: false, final: true, error: "channel removed" };
    url = channels.webhook.url;
    body = webhookBody(alert);
    // The notification id is the message id: stable across retries, so a receiver can deduplicate.
    // Signed at the real send time (not the tick's), which is what a receiver's tolerance window checks.
    Object.assign(headers, await standardWebhookHeaders(channels.webhook.secret, row.id, body));
  }
  try {
    const response = await guardedFetch(
      url,
      { method: "POST", headers, body, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
      outboundPolicy(env),
    );
    await response.body?.cancel().catch(() => undefined);
    return response.ok ? { ok: true } : { ok: false, final: false, error: `HTTP ${response.status}` };
  } catch (error) {
    if (error instanceof OutboundRefused) return { ok: false, final: true, error: "target refused" };
    return { ok: false, final: false, error: error instanceof Error ? error.name : "network error" };
  }
}
