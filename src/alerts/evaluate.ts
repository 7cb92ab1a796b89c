import { sha256Hex } from "../lib/encoding";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import type { Sample } from "../observability/metrics/exposition";
import { collectMetrics } from "../views/metrics";
import { sendDueNotifications } from "./notify";
import { type Observation, observe } from "./observe";
import { AlertSettingsStore } from "./settings";
import { type AlertState, INITIAL_STATE, transition } from "./transition";

/** Workspaces evaluated per tick (those with sources, extensions or alert settings), in name order. */
export const MAX_WORKSPACES = 100;

interface StateRow {
  rule: string;
  subject: string;
  status: "ok" | "firing";
  since: number;
  notified: number;
  last_fired_at: number | null;
  version: number;
}

/**
 * Cron task: evaluates every workspace's alert rules at `now` (epoch ms), records each transition
 * (to firing, to resolved) as an alert with one pending notification per configured channel, then
 * sends what is due. One workspace failing is logged and the others go on; the whole task never
 * throws, so it cannot break polling.
 * @returns alerts announced this tick
 */
export async function evaluateAlerts(env: Env, now: number): Promise<number> {
  let samples: Sample[] | null = null;
  try {
    samples = await collectMetrics(env, now);
  } catch (error) {
    log.warn("alerts_metrics_unreadable", { error: String(error).slice(0, 200) });
  }
  let announced = 0;
  try {
    const workspaces = (
      await env.DB.prepare(
        `SELECT workspace FROM sources UNION SELECT workspace FROM extensions UNION
         SELECT workspace FROM alert_settings ORDER BY 1 LIMIT ?`,
      )
        .bind(MAX_WORKSPACES)
        .all<{ workspace: string }>()
    ).results.map((r) => r.workspace);
    for (const workspace of workspaces) {
      try {
        announced += await evaluateWorkspace(env, workspace, samples, now);
      } catch (error) {
        log.error("alerts_evaluation_failed", { workspace, error: String(error).slice(0, 200) });
      }
    }
  } catch (error) {
    log.error("alerts_evaluation_failed", { error: String(error).slice(0, 200) });
  }
  try {
    await sendDueNotifications(env, now);
  } catch (error) {
    log.error("alert_notifications_failed", { error: String(error).slice(0, 200) });
  }
  return announced;
}

/** Observes one workspace, applies the transitions and records what is announced, in one D1 batch. */
async function evaluateWorkspace(
  env: Env,
  workspace: string,
  samples: Sample[] | null,
  now: number,
): Promise<number> {
  const store = new AlertSettingsStore(env.DB, env.SECRETS_KEY);
  const rules = await store.rules(workspace);
  const observed = await observe(env.DB, workspace, rules, samples, now);
  const rows = (
    await env.DB.prepare(
      "SELECT rule, subject, status, since, notified, last_fired_at, version FROM alert_states WHERE workspace = ?",
    )
      .bind(workspace)
      .all<StateRow>()
  ).results;
  const states = new Map(rows.map((r) => [`${r.rule}\u0000${r.subject}`, r]));
  // A firing subject of an evaluated rule that no longer shows (source deleted, rule disabled) resolves.
  const seen = new Set(observed.observations.map((o) => `${o.rule}\u0000${o.subject}`));
  const checks: Observation[] = [...observed.observations];
  for (const r of rows)
    if (
      r.status === "firing" &&
      observed.evaluated.has(r.rule as never) &&
      !seen.has(`${r.rule}\u0000${r.subject}`)
    )
      checks.push({
        rule: r.rule as Observation["rule"],
        subject: r.subject,
        firing: false,
        value: 0,
        threshold: 0,
        summary: `${r.subject} is no longer watched by ${r.rule}`,
      });

  let channels: string[] | null = null;
  const statements: D1PreparedStatement[] = [];
  let announced = 0;
  for (const o of checks) {
    const row = states.get(`${o.rule}\u0000${o.subject}`);
    const previous: AlertState = row
      ? {
          status: row.status,
          since: row.since,
          notified: row.notified === 1,
          lastFiredAt: row.last_fired_at,
          version: row.version,
        }
      : INITIAL_STATE;
    const { next, announce } = transition(previous, o.firing, now, rules.cooldownMinutes * 60_000);
    if (!next) continue;
    statements.push(
      env.DB.prepare(
        // Written only over the version read: an overlapping tick that changed it first wins.
        `INSERT INTO alert_states (workspace, rule, subject, status, value, since, notified, last_fired_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (workspace, rule, subject) DO UPDATE SET status = ?4, value = ?5, since = ?6, notified = ?7,
           last_fired_at = ?8, version = ?9 WHERE alert_states.version = ?10`,
      ).bind(
        workspace,
        o.rule,
        o.subject,
        next.status,
        o.value,
        next.since,
        next.notified ? 1 : 0,
        next.lastFiredAt,
        next.version,
        previous.version,
      ),
    );
    if (!announce) continue;
    announced++;
    // Derived from the new version: two ticks deciding the same transition write one alert.
    const id = `alr_${(await sha256Hex(`${workspace}\u0000${o.rule}\u0000${o.subject}\u0000${next.version}`)).slice(0, 26)}`;
    statements.push(
      env.DB.prepare(
        `INSERT OR IGNORE INTO alerts (id, workspace, rule, subject, kind, value, threshold, summary, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(id, workspace, o.rule, o.subject, announce, o.value, o.threshold, o.summary, now),
    );
    channels ??= await configuredChannels(store, workspace);
    for (const channel of channels)
      statements.push(
        env.DB.prepare(
          `INSERT OR IGNORE INTO alert_notifications (id, alert_id, workspace, channel, status, attempts, next_attempt_at)
           VALUES (?, ?, ?, ?, 'pending', 0, ?)`,
        ).bind(`${id}_${channel}`, id, workspace, channel, now),
      );
    log.warn("alert_announced", { workspace, rule: o.rule, subject: o.subject, kind: announce });
  }
  if (statements.length > 0) await env.DB.batch(statements);
  return announced;
}

/** The channel names configured for `workspace`; none when its secrets cannot be opened (logged). */
async function configuredChannels(store: AlertSettingsStore, workspace: string): Promise<string[]> {
  try {
    const c = await store.channels(workspace);
    return [...(c.slackUrl ? ["slack"] : []), ...(c.webhook ? ["webhook"] : [])];
  } catch (error) {
    log.error("alert_channels_unreadable", { workspace, error: String(error).slice(0, 200) });
    return [];
  }
}
