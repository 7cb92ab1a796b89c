import type { Sample } from "../observability/metrics/exposition";
import type { AlertRules, RuleName } from "./rules";

/** What one rule found for one subject (a source, a queue, an extension, the workspace). */
export interface Observation {
  rule: RuleName;
  subject: string;
  firing: boolean;
  value: number;
  threshold: number;
  /** One line for a human; names ids and numbers, never a payload or a secret. */
  summary: string;
}

/** A workspace's observations, and which rules had data (a rule without data changes no state). */
export interface Observed {
  observations: Observation[];
  evaluated: Set<RuleName>;
}

/** Sources whose delivery history one tick reads, per workspace (one small indexed query each). */
export const MAX_SOURCES = 100;

/** Deliveries read per source to learn its usual gap (the median of the gaps between them). */
const GAP_SAMPLE = 101;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Observes every enabled rule of `workspace` at `now` (epoch ms): rejection rate, silence and poll
 * failures from D1 (the delivery log, poll jobs: the cron is off the delivery path), dead letters,
 * queue backlog, breakers and projection lag from `samples` (what GET /metrics shows; null when it
 * could not be read: those rules then have no data). A disabled rule counts as evaluated with nothing
 * firing, so what it had firing resolves.
 * @throws D1 errors
 */
export async function observe(
  db: D1Database,
  workspace: string,
  rules: AlertRules,
  samples: readonly Sample[] | null,
  now: number,
): Promise<Observed> {
  const out: Observed = { observations: [], evaluated: new Set() };
  for (const [rule, enabled] of [
    ["rejection_rate", rules.rejectionRate.enabled],
    ["source_silence", rules.sourceSilence.enabled],
    ["dead_letters", rules.deadLetters.enabled],
    ["queue_backlog", rules.queueBacklog.enabled],
    ["poll_failures", rules.pollFailures.enabled],
    ["breaker_open", rules.breakerOpen.enabled],
    ["projection_lag", rules.projectionLag.enabled],
  ] as const)
    if (!enabled) out.evaluated.add(rule);

  const [sourceRows, rateRows, pollRows] = await db.batch([
    db.prepare("SELECT id FROM sources WHERE workspace = ? ORDER BY id LIMIT ?").bind(workspace, MAX_SOURCES),
    db
      .prepare(
        `SELECT d.source_id AS source, count(*) AS total, sum(d.status = 'rejected') AS rejected
         FROM deliveries d JOIN sources s ON s.id = d.source_id
         WHERE s.workspace = ? AND d.received_at >= ? AND d.received_at <= ? GROUP BY d.source_id`,
      )
      .bind(workspace, now - rules.rejectionRate.windowMinutes * MINUTE, now),
    db.prepare("SELECT source_id AS source, failed_runs FROM poll_jobs WHERE workspace = ?").bind(workspace),
  ]);
  const sources = (sourceRows!.results as { id: string }[]).map((r) => r.id);

  if (rules.rejectionRate.enabled) {
    const r = rules.rejectionRate;
    out.evaluated.add("rejection_rate");
    for (const row of rateRows!.results as { source: string; total: number; rejected: number }[]) {
      if (row.total < r.minDeliveries) continue;
      const percent = Math.round((1000 * row.rejected) / row.total) / 10;
      out.observations.push({
        rule: "rejection_rate",
        subject: row.source,
        firing: percent > r.thresholdPercent,
        value: percent,
        threshold: r.thresholdPercent,
        summary: `Source ${row.source}: ${percent}% of ${row.total} deliveries rejected in the last ${r.windowMinutes} min (threshold ${r.thresholdPercent}%)`,
      });
    }
  }

  if (rules.sourceSilence.enabled && sources.length > 0) {
    const r = rules.sourceSilence;
    out.evaluated.add("source_silence");
    const histories = await db.batch(
      sources.map((id) =>
        db
          .prepare(
            `SELECT received_at FROM deliveries WHERE source_id = ? AND status != 'rejected' AND received_at <= ?
             ORDER BY received_at DESC LIMIT ?`,
          )
          .bind(id, now, GAP_SAMPLE),
      ),
    );
    sources.forEach((id, i) => {
      const times = (histories[i]!.results as { received_at: number }[]).map((row) => row.received_at);
      const allowed = silenceAllowedMs(times, r, id, now);
      if (times.length === 0 || allowed === null) return;
      const silentMs = now - times[0]!;
      out.observations.push({
        rule: "source_silence",
        subject: id,
        firing: silentMs > allowed,
        value: Math.round(silentMs / MINUTE),
        threshold: Math.round(allowed / MINUTE),
        summary: `Source ${id}: no delivery for ${Math.round(silentMs / MINUTE)} min (usually within ${Math.round(allowed / MINUTE)} min)`,
      });
    });
  }

  if (rules.pollFailures.enabled) {
    const k = rules.pollFailures.consecutiveRuns;
    out.evaluated.add("poll_failures");
    for (const row of pollRows!.results as { source: string; failed_runs: number }[])
      out.observations.push({
        rule: "poll_failures",
        subject: row.source,
        firing: row.failed_runs >= k,
        value: row.failed_runs,
        threshold: k,
        summary: `Poll job of source ${row.source}: ${row.failed_runs} runs in a row failed (threshold ${k})`,
      });
  }

  if (samples) observeSamples(out, workspace, rules, samples);
  return out;
}

/**
 * How long `source` may stay silent: its configured silence, else `gapMultiplier` × the median gap
 * between its deliveries of the last day (at least `minSilenceMinutes`); null while too few
 * deliveries were seen to know its usual gap. `times` are newest first.
 */
function silenceAllowedMs(
  times: readonly number[],
  r: AlertRules["sourceSilence"],
  source: string,
  now: number,
): number | null {
  const configured = r.silenceMinutes[source];
  if (configured !== undefined) return configured * MINUTE;
  const recent = times.filter((t) => t >= now - DAY);
  if (recent.length < r.minDeliveriesPerDay) return null;
  const gaps = recent
    .slice(1)
    .map((t, i) => recent[i]! - t)
    .sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  return Math.max(r.gapMultiplier * median, r.minSilenceMinutes * MINUTE);
}

/** Dead letters, queue backlog, breakers and projection lag, from the gauges of a scrape. */
function observeSamples(
  out: Observed,
  workspace: string,
  rules: AlertRules,
  samples: readonly Sample[],
): void {
  if (rules.deadLetters.enabled) {
    out.evaluated.add("dead_letters");
    const n =
      samples.find((s) => s.name === "tributary_dead_letters" && s.labels.workspace === workspace)?.value ??
      0;
    out.observations.push({
      rule: "dead_letters",
      subject: workspace,
      firing: n > rules.deadLetters.above,
      value: n,
      threshold: rules.deadLetters.above,
      summary: `Workspace ${workspace}: ${n} dead letters waiting (threshold ${rules.deadLetters.above})`,
    });
  }
  const backlog = samples.filter((s) => s.name === "tributary_queue_backlog_seconds");
  if (rules.queueBacklog.enabled && backlog.length > 0) {
    out.evaluated.add("queue_backlog");
    for (const s of backlog) {
      const seconds = Math.round(s.value);
      out.observations.push({
        rule: "queue_backlog",
        subject: s.labels.queue ?? "unknown",
        firing: seconds > rules.queueBacklog.seconds,
        value: seconds,
        threshold: rules.queueBacklog.seconds,
        summary: `Queue ${s.labels.queue}: oldest unprocessed message is ${seconds} s old (threshold ${rules.queueBacklog.seconds} s)`,
      });
    }
  }
  if (rules.breakerOpen.enabled) {
    out.evaluated.add("breaker_open");
    for (const s of samples) {
      if (s.name !== "tributary_breaker_state" || !s.labels.extension?.startsWith(`${workspace}/`)) continue;
      const extension = s.labels.extension.slice(workspace.length + 1);
      out.observations.push({
        rule: "breaker_open",
        subject: extension,
        firing: s.value !== 0,
        value: s.value,
        threshold: 0,
        summary: `Extension ${extension}: circuit breaker ${s.value === 2 ? "open" : s.value === 1 ? "half-open" : "closed"}`,
      });
    }
  }
  const lag = samples.filter(
    (s) =>
      s.name === "tributary_projection_lag_seconds" &&
      (s.labels.workspace === undefined || s.labels.workspace === workspace),
  );
  if (rules.projectionLag.enabled && lag.length > 0) {
    out.evaluated.add("projection_lag");
    const seconds = Math.round(Math.max(...lag.map((s) => s.value)));
    out.observations.push({
      rule: "projection_lag",
      subject: workspace,
      firing: seconds > rules.projectionLag.seconds,
      value: seconds,
      threshold: rules.projectionLag.seconds,
      summary: `Projection of workspace ${workspace} is ${seconds} s behind (threshold ${rules.projectionLag.seconds} s)`,
    });
  }
}
