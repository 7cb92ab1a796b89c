import type { OverviewView } from "../../routes/admin/get-overview";
import { adminApi } from "../admin-api";
import { OpsAssets } from "../components/ops-assets";
import { type Column, DataTable } from "../components/table";
import { Time } from "../components/time";
import { href } from "../env";
import type { ConsoleApp } from "./page";

/** The windows the overview offers, hours. */
const WINDOWS = [1, 3, 6, 12, 24] as const;

/** Display order and names of the disposition kinds (the chart's series and the totals). */
export const KIND_LABELS: Record<string, string> = {
  stored: "Stored",
  merged: "Merged",
  duplicate: "Duplicate",
  ignored: "Ignored",
  rejected: "Rejected",
  dead_lettered: "Dead-lettered",
  replayed: "Replayed",
};

/**
 * One figure of the overview. A linked figure's visible text is only a number, so `name` gives the link
 * its accessible name ("12 rejected deliveries"): it starts with the number, so a voice-control user
 * saying what they see still matches it (WCAG 2.5.3).
 */
function Card({
  title,
  value,
  href: link,
  name,
}: {
  title: string;
  value: string | number;
  href?: string;
  name?: string;
}) {
  return (
    <div class="ops-card">
      <p class="hint">{title}</p>
      <p class="ops-figure">
        {link ? (
          <a href={link} aria-label={name ? `${value} ${name}` : undefined}>
            {value}
          </a>
        ) : (
          value
        )}
      </p>
    </div>
  );
}

/** `seconds` as "42 s", "7 min", "3 h". */
export function age(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/**
 * GET /console: the overview. Deliveries per minute by disposition (a uPlot chart drawn by
 * /console/assets/ops-chart.js from the data attribute, with the totals as a table for screen readers
 * and without script), top rejection reasons, queue backlog, dead letters, failing poll jobs, open
 * breakers and recent alerts: all from GET /v1/admin/overview.
 */
export function registerOverviewPage(app: ConsoleApp): void {
  app.get("/", async (c) => {
    const asked = Number(c.req.query("hours"));
    const hours = (WINDOWS as readonly number[]).includes(asked) ? asked : 3;
    const o = await adminApi(c).get<OverviewView>(`/v1/admin/overview?hours=${hours}`);
    const kinds = Object.keys(KIND_LABELS).filter((k) => o.perMinute.counts[k] !== undefined);
    const chart = {
      minutes: o.perMinute.minutes.map((m) => Date.parse(m) / 1000),
      series: kinds.map((k) => ({ kind: k, label: KIND_LABELS[k], counts: o.perMinute.counts[k] })),
    };
    const total = Object.values(o.totals).reduce((a, b) => a + b, 0);
    const backlog = o.queues?.reduce((max, q) => Math.max(max, q.backlogSeconds), 0);
    const rejectionColumns: Column<OverviewView["topRejections"][number]>[] = [
      {
        header: "Reason",
        cell: (r) => (
          <a
            href={href(`/deliveries?disposition=${encodeURIComponent(`rejected:${r.reason}`)}`)}
            aria-label={`${r.reason}: ${r.count.toLocaleString("en")} rejected deliveries`}
          >
            <code>{r.reason}</code>
          </a>
        ),
      },
      { header: "Rejections", cell: (r) => r.count.toLocaleString("en"), numeric: true },
    ];
    return c.render(
      <>
        <OpsAssets chart />
        <nav class="ops-windows" aria-label="Time window">
          {WINDOWS.map((h) => (
            <a href={href(`?hours=${h}`)} aria-current={h === hours ? "true" : undefined}>
              {h} h
            </a>
          ))}
        </nav>
        <section class="ops-cards" aria-label="At a glance">
          <Card
            title={`Deliveries, last ${hours} h`}
            value={total.toLocaleString("en")}
            href={href("/deliveries")}
            name={`deliveries in the last ${hours} h`}
          />
          <Card
            title="Rejected"
            value={(o.totals.rejected ?? 0).toLocaleString("en")}
            href={href("/deliveries?disposition=rejected")}
            name="rejected deliveries"
          />
          <Card
            title="Dead letters"
            value={o.deadLetters.total.toLocaleString("en")}
            href={href("/dead-letters")}
            name="dead letters"
          />
          <Card title="Oldest queued message" value={backlog === undefined ? "unknown" : age(backlog)} />
          <Card
            title="Failing poll jobs"
            value={o.failingPollJobs.length}
            href={href("/pull")}
            name="failing poll jobs"
          />
          <Card
            title="Open breakers"
            value={o.openBreakers.length}
            href={href("/enrichment")}
            name="open breakers"
          />
        </section>

        <section aria-labelledby="chart-title">
          <h2 id="chart-title">Deliveries per minute by disposition</h2>
          <div
            class="ops-chart"
            data-ops-chart={JSON.stringify(chart)}
            role="img"
            aria-label={`Deliveries per minute over the last ${hours} hours, by disposition`}
          />
          <DataTable
            caption={`Deliveries in the last ${hours} h by disposition`}
            rows={kinds}
            empty={`No deliveries in the last ${hours} h.`}
            columns={[
              {
                header: "Disposition",
                cell: (k) => <a href={href(`/deliveries?disposition=${k}`)}>{KIND_LABELS[k]}</a>,
              },
              { header: "Deliveries", cell: (k) => (o.totals[k] ?? 0).toLocaleString("en"), numeric: true },
            ]}
          />
        </section>

        <div class="ops-grid">
          <section aria-labelledby="rejections-title">
            <h2 id="rejections-title">Top rejection reasons</h2>
            <DataTable
              caption={`Most frequent rejection reasons, last ${hours} h`}
              rows={o.topRejections}
              columns={rejectionColumns}
              empty="No rejections."
            />
          </section>
          <section aria-labelledby="backlog-title">
            <h2 id="backlog-title">Queue backlog</h2>
            {o.queues === null ? (
              <p class="empty">The metrics aggregator did not answer.</p>
            ) : (
              <DataTable
                caption="Messages sent and not yet acknowledged"
                rows={o.queues}
                columns={[
                  { header: "Queue", cell: (q) => <code>{q.queue}</code> },
                  { header: "Pending", cell: (q) => q.pending.toLocaleString("en"), numeric: true },
                  {
                    header: "Oldest",
                    cell: (q) => (q.pending === 0 ? "—" : age(q.backlogSeconds)),
                    numeric: true,
                  },
                ]}
                empty="No queue traffic counted yet."
              />
            )}
          </section>
          <section aria-labelledby="dead-letters-title">
            <h2 id="dead-letters-title">Dead letters</h2>
            <DataTable
              caption="Dead letters by reason"
              rows={o.deadLetters.byReason}
              columns={[
                {
                  header: "Reason",
                  cell: (r) => (
                    <a href={href(`/dead-letters?reason=${r.reason}`)}>
                      <code>{r.reason}</code>
                    </a>
                  ),
                },
                { header: "Dead letters", cell: (r) => r.count.toLocaleString("en"), numeric: true },
              ]}
              empty="No dead letters."
            />
          </section>
          <section aria-labelledby="poll-title">
            <h2 id="poll-title">Failing poll jobs</h2>
            <DataTable
              caption="Poll jobs whose last run failed"
              rows={o.failingPollJobs}
              columns={[
                { header: "Source", cell: (j) => <a href={href(`/sources/${j.sourceId}`)}>{j.sourceId}</a> },
                { header: "Last error", cell: (j) => j.lastError ?? "—" },
                { header: "At", cell: (j) => <Time value={j.lastErrorAt} /> },
                { header: "Last success", cell: (j) => <Time value={j.lastSuccessAt} /> },
              ]}
              empty="No poll job is failing."
            />
          </section>
          <section aria-labelledby="breakers-title">
            <h2 id="breakers-title">Open breakers</h2>
            <DataTable
              caption="Extensions whose circuit breaker is open"
              rows={o.openBreakers}
              columns={[
                { header: "Extension", cell: (b) => `${b.workspace}/${b.extension}` },
                { header: "State", cell: (b) => b.state.replace("_", "-") },
                { header: "Since", cell: (b) => <Time value={b.openedAt} /> },
              ]}
              empty="Every breaker is closed."
            />
          </section>
          <section aria-labelledby="alerts-title">
            <h2 id="alerts-title">Recent alerts</h2>
            <DataTable
              caption="The latest alerts, all workspaces"
              rows={o.recentAlerts}
              columns={[
                { header: "When", cell: (a) => <Time value={a.createdAt} /> },
                { header: "Kind", cell: (a) => a.kind },
                { header: "Alert", cell: (a) => a.summary },
              ]}
              empty="No alerts."
            />
          </section>
        </div>
      </>,
      { title: "Overview", nav: "overview" },
    );
  });
}
