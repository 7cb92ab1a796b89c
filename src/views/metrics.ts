import { externalSystem } from "../enrichment/external-system";
import { resolverFor } from "../identity/resolver";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import type { MetricsSnapshot } from "../observability/metrics/aggregator";
import type { Sample } from "../observability/metrics/exposition";
import { metrics } from "../observability/metrics/recorder";

/** Breaker states as `tributary_breaker_state` values. */
const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** At most this many workspaces' projection lags are read per scrape (one Durable Object call each). */
const MAX_WORKSPACES = 200;

/** At most this many extensions' breakers are read per scrape (one Durable Object call each). */
const MAX_BREAKERS = 200;

/**
 * Everything `GET /metrics` shows, at `now` (epoch ms): the counters summed by the aggregator (after
 * this isolate's own pending counts are handed over, so a scrape sees what this isolate counted), the
 * queue gauges derived from them, and gauges read when scraped: dead letters per workspace and poll
 * lag per source from D1 (two indexed aggregate queries), breaker states from the extensions'
 * external-system objects, projection lag from each workspace's IdentityResolver. Nothing here runs on the delivery path.
 * @throws D1 errors; an unreachable aggregator or breaker only leaves its series out (logged)
 */
export async function collectMetrics(env: Env, now = Date.now()): Promise<Sample[]> {
  const samples: Sample[] = [];
  if (env.METRICS) {
    await metrics.flushForReading(env);
    try {
      const snapshot: MetricsSnapshot = await env.METRICS.get(env.METRICS.idFromName("global")).snapshot();
      samples.push(...snapshot.series);
      for (const q of snapshot.queues) {
        samples.push({ name: "tributary_queue_pending", labels: { queue: q.queue }, value: q.pending });
        samples.push({
          name: "tributary_queue_backlog_seconds",
          labels: { queue: q.queue },
          value: q.oldestPendingSentAt === null ? 0 : Math.max(0, (now - q.oldestPendingSentAt) / 1000),
        });
      }
    } catch (error) {
      log.warn("metrics_aggregator_unreachable", { error: String(error).slice(0, 200) });
    }
  }
  const [deadLetters, pollJobs, extensions, workspaces] = await env.DB.batch([
    env.DB.prepare(
      // A dead letter whose source is gone still names its workspace in the message it kept.
      `SELECT coalesce(s.workspace, CASE WHEN json_valid(d.message) THEN json_extract(d.message, '$.workspace') END,
         'unknown') AS workspace, count(*) AS n
       FROM dead_letters d LEFT JOIN sources s ON s.id = d.source_id GROUP BY 1`,
    ),
    env.DB.prepare("SELECT source_id, next_run_at, paused FROM poll_jobs"),
    env.DB.prepare(
      "SELECT name, workspace, system FROM extensions WHERE enabled = 1 ORDER BY workspace, name LIMIT ?",
    ).bind(MAX_BREAKERS),
    env.DB.prepare("SELECT DISTINCT workspace FROM sources ORDER BY workspace LIMIT ?").bind(MAX_WORKSPACES),
  ]);
  for (const row of deadLetters!.results as { workspace: string; n: number }[])
    samples.push({ name: "tributary_dead_letters", labels: { workspace: row.workspace }, value: row.n });
  for (const row of pollJobs!.results as { source_id: string; next_run_at: number; paused: number }[])
    samples.push({
      name: "tributary_poll_lag_seconds",
      labels: { source: row.source_id },
      value: row.paused ? 0 : Math.max(0, (now - row.next_run_at) / 1000),
    });
  const breakers = await Promise.all(
    (extensions!.results as { name: string; workspace: string; system: string }[]).map(async (ext) => {
      try {
        const state = await externalSystem(env, ext.workspace, ext.system).circuit();
        return { name: `${ext.workspace}/${ext.name}`, value: BREAKER_VALUE[state.state] };
      } catch (error) {
        log.warn("metrics_breaker_unreadable", { extension: ext.name, error: String(error).slice(0, 200) });
        return null;
      }
    }),
  );
  for (const b of breakers)
    if (b) samples.push({ name: "tributary_breaker_state", labels: { extension: b.name }, value: b.value });
  const lags = await Promise.all(
    (workspaces!.results as { workspace: string }[]).map(async ({ workspace }) => {
      try {
        const status = await resolverFor(env, workspace).projectionStatus();
        return { workspace, value: status.oldestPendingAgeSeconds };
      } catch (error) {
        log.warn("metrics_projection_unreadable", { workspace, error: String(error).slice(0, 200) });
        return null;
      }
    }),
  );
  for (const l of lags)
    if (l)
      samples.push({
        name: "tributary_projection_lag_seconds",
        labels: { workspace: l.workspace },
        value: l.value,
      });
  return samples;
}
