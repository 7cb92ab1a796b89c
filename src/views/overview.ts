import { customerDatabases } from "../db/workspace-db";
import { externalSystem } from "../enrichment/external-system";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { metrics } from "../observability/metrics/recorder";

const MINUTE = 60_000;

/** Open breakers are looked for among at most this many enabled extensions (one Durable Object call each). */
const MAX_BREAKERS = 100;

/** What the console's overview shows; times are epoch ms. */
export interface Overview {
  window: { from: number; to: number };
  /** Deliveries per minute by disposition kind: `minutes[i]` is the start of minute i; `counts[kind][i]` its count. */
  perMinute: { minutes: number[]; counts: Record<string, number[]> };
  /** Deliveries in the window per disposition kind (`accepted` rows read as `stored`). */
  totals: Record<string, number>;
  topRejections: { reason: string; count: number }[];
  /** Per queue: messages sent and not yet acknowledged, and the age in seconds of the oldest; null when the aggregator is unreachable. */
  queues: { queue: string; pending: number; backlogSeconds: number }[] | null;
  deadLetters: { total: number; byReason: { reason: string; count: number }[] };
  failingPollJobs: {
    sourceId: string;
    status: string;
    lastError: string | null;
    lastErrorAt: number | null;
    lastSuccessAt: number | null;
    failedRuns: number;
  }[];
  openBreakers: {
    workspace: string;
    extension: string;
    state: "open" | "half_open";
    openedAt: number | null;
  }[];
  recentAlerts: {
    id: string;
    workspace: string;
    rule: string;
    subject: string;
    kind: string;
    summary: string;
    createdAt: number;
  }[];
}

/**
 * The overview over the last `hours` before `now`. Every delivery-log read is a range scan of a
 * covering index (deliveries_received_idx for the per-minute counts, deliveries_status_idx for the
 * rejections), so its cost follows the traffic in the window, not the log's size. Queue backlog comes
 * from the metrics aggregator, breaker states from each enabled extension's external-system object.
 * @throws D1 errors; an unreachable aggregator or breaker is left out (logged)
 */
export async function overview(env: Env, hours: number, now = Date.now()): Promise<Overview> {
  const to = Math.ceil(now / MINUTE) * MINUTE;
  const from = to - hours * 60 * MINUTE;
  const db = env.DB;
  const [perMinute, rejections, deadLetters, pollJobs, alerts] = await db.batch([
    db
      .prepare(
        `SELECT (received_at / 60000) * 60000 AS minute,
           CASE status WHEN 'accepted' THEN 'stored' ELSE status END AS kind, count(*) AS n
         FROM deliveries WHERE received_at >= ? AND received_at < ? GROUP BY 1, 2`,
      )
      .bind(from, to),
    db
      .prepare(
        `SELECT coalesce(reason, 'unknown') AS reason, count(*) AS count FROM deliveries
         WHERE status = 'rejected' AND received_at >= ? AND received_at < ?
         GROUP BY 1 ORDER BY count DESC, reason LIMIT 10`,
      )
      .bind(from, to),
    db.prepare("SELECT reason, count(*) AS count FROM dead_letters GROUP BY 1 ORDER BY count DESC, reason"),
    db.prepare(
      `SELECT source_id, status, last_error, last_error_at, last_success_at, failed_runs FROM poll_jobs
       WHERE status = 'failed' OR (last_error_at IS NOT NULL AND last_error_at > coalesce(last_success_at, 0))
       ORDER BY last_error_at DESC LIMIT 20`,
    ),
    db.prepare(
      "SELECT id, workspace, rule, subject, kind, summary, created_at FROM alerts ORDER BY created_at DESC LIMIT 10",
    ),
  ]);

  const minutes: number[] = [];
  for (let t = from; t < to; t += MINUTE) minutes.push(t);
  const counts: Record<string, number[]> = {};
  const totals: Record<string, number> = {};
  for (const row of perMinute!.results as { minute: number; kind: string; n: number }[]) {
    counts[row.kind] ??= minutes.map(() => 0);
    counts[row.kind]![(row.minute - from) / MINUTE] = row.n;
    totals[row.kind] = (totals[row.kind] ?? 0) + row.n;
  }
  const byReason = deadLetters!.results as { reason: string; count: number }[];

  return {
    window: { from, to },
    perMinute: { minutes, counts },
    totals,
    topRejections: rejections!.results as { reason: string; count: number }[],
    queues: await queueBacklog(env, now),
    deadLetters: { total: byReason.reduce((sum, r) => sum + r.count, 0), byReason },
    failingPollJobs: (
      pollJobs!.results as {
        source_id: string;
        status: string;
        last_error: string | null;
        last_error_at: number | null;
        last_success_at: number | null;
        failed_runs: number;
      }[]
    ).map((r) => ({
      sourceId: r.source_id,
      status: r.status,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      lastSuccessAt: r.last_success_at,
      failedRuns: r.failed_runs,
    })),
    openBreakers: await openBreakers(env),
    recentAlerts: (
      alerts!.results as {
        id: string;
        workspace: string;
        rule: string;
        subject: string;
        kind: string;
        summary: string;
        created_at: number;
      }[]
    ).map(({ created_at, ...a }) => ({ ...a, createdAt: created_at })),
  };
}

async function queueBacklog(env: Env, now: number): Promise<Overview["queues"]> {
  if (!env.METRICS) return null;
  try {
    await metrics.flushForReading(env);
    const snapshot = await env.METRICS.get(env.METRICS.idFromName("global")).snapshot();
    return snapshot.queues.map((q) => ({
      queue: q.queue,
      pending: q.pending,
      backlogSeconds:
        q.oldestPendingSentAt === null ? 0 : Math.max(0, Math.round((now - q.oldestPendingSentAt) / 1000)),
    }));
  } catch (error) {
    log.warn("overview_aggregator_unreachable", { error: String(error).slice(0, 200) });
    return null;
  }
}

async function openBreakers(env: Env): Promise<Overview["openBreakers"]> {
  // Extensions are customer data: every workspace database may hold some.
  const extensions: { name: string; workspace: string; system: string }[] = [];
  for (const { db } of customerDatabases(env)) {
    const { results } = await db
      .prepare(
        "SELECT name, workspace, system FROM extensions WHERE enabled = 1 ORDER BY workspace, name LIMIT ?",
      )
      .bind(MAX_BREAKERS - extensions.length)
      .all<{ name: string; workspace: string; system: string }>();
    extensions.push(...results);
    if (extensions.length >= MAX_BREAKERS) break;
  }
  const states = await Promise.all(
    extensions.map(async (ext) => {
      try {
        const state = await externalSystem(env, ext.workspace, ext.system).circuit();
        return state.state === "closed"
          ? null
          : { workspace: ext.workspace, extension: ext.name, state: state.state, openedAt: state.openedAt };
      } catch (error) {
        log.warn("overview_breaker_unreadable", { extension: ext.name, error: String(error).slice(0, 200) });
        return null;
      }
    }),
  );
  return states.filter((s) => s !== null);
}
