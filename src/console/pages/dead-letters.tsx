import { DEAD_LETTER_REASONS } from "../../lib/failure";
import type { DeadLetterView } from "../../routes/admin/delivery-schemas";
import type { DeadLetterList } from "../../routes/admin/list-dead-letters";
import type { ReplayJobList } from "../../routes/admin/replay-jobs/list";
import type { ReplayDryRun, ReplayJobView } from "../../routes/admin/replay-jobs/schemas";
import type { SourceView } from "../../routes/admin/source-schemas";
import { adminApi } from "../admin-api";
import { Form } from "../components/forms";
import { JsonBlock } from "../components/json";
import { OpsAssets } from "../components/ops-assets";
import { Progress } from "../components/progress";
import { type Column, DataTable } from "../components/table";
import { Time } from "../components/time";
import { type ConsoleContext, href } from "../env";
import { redirectWithFlash } from "../flash";
import { utcInput } from "./deliveries";
import type { ConsoleApp } from "./page";

/** Rows per page of the list. */
const PAGE_SIZE = 50;

/** The dead-letter filter of the current URL (or posted form): only known fields, times as ISO. */
function filterOf(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string).trim() : "");
  if (text("sourceId")) out.sourceId = text("sourceId");
  if ((DEAD_LETTER_REASONS as readonly string[]).includes(text("reason"))) out.reason = text("reason");
  const from = utcInput(text("from"));
  const to = utcInput(text("to"));
  if (from) out.from = from;
  if (to) out.to = to;
  return out;
}

/** "source src_…, reason retries_exhausted, from …" or "every dead letter". */
function describe(filter: Record<string, string | undefined>): string {
  const parts = Object.entries(filter)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k === "sourceId" ? "source" : k} ${v}`);
  return parts.length === 0 ? "every dead letter" : parts.join(", ");
}

function FilterForm({
  action,
  filter,
  sources,
  submit,
}: {
  action: string;
  filter: Record<string, string>;
  sources: SourceView[];
  submit: string;
}) {
  return (
    <Form action={action} method="get" layout="inline" label="Filter dead letters">
      <div class="ops-filters">
        <div>
          <label for="dl-source">Source</label>
          <select id="dl-source" name="sourceId">
            <option value="">Any source</option>
            {sources.map((s) => (
              <option value={s.id} selected={filter.sourceId === s.id}>
                {s.name} ({s.type})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="dl-reason">Reason</label>
          <select id="dl-reason" name="reason">
            <option value="">Any reason</option>
            {DEAD_LETTER_REASONS.map((r) => (
              <option value={r} selected={filter.reason === r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="dl-from">Failed from (UTC)</label>
          <input id="dl-from" name="from" type="datetime-local" value={filter.from?.slice(0, 16) ?? ""} />
        </div>
        <div>
          <label for="dl-to">Failed before (UTC)</label>
          <input id="dl-to" name="to" type="datetime-local" value={filter.to?.slice(0, 16) ?? ""} />
        </div>
        <div>
          <button type="submit">{submit}</button>
        </div>
      </div>
    </Form>
  );
}

async function sourcesOf(c: ConsoleContext): Promise<SourceView[]> {
  return (await adminApi(c).get<{ data: SourceView[] }>("/v1/admin/sources")).data;
}

/**
 * The dead-letter pages: the list with reasons (GET /console/dead-letters, filtered like the API),
 * inspect one with its original message (GET /console/dead-letters/:id), replay or delete one, and
 * replay many by filter: a dry-run count first (GET /console/dead-letters/replay), then a replay job
 * whose progress page (GET /console/dead-letters/replay-jobs/:id) can be left and come back to.
 */
export function registerDeadLettersPage(app: ConsoleApp): void {
  app.get("/dead-letters", async (c) => {
    const api = adminApi(c);
    const filter = filterOf(c.req.query());
    const cursor = c.req.query("cursor");
    const query = new URLSearchParams({ ...filter, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
    const [page, sources, jobs] = await Promise.all([
      api.get<DeadLetterList>(`/v1/admin/dead-letters?${query}`),
      sourcesOf(c),
      api.get<ReplayJobList>("/v1/admin/replay-jobs?limit=5"),
    ]);
    const names = new Map(sources.map((s) => [s.id, s.name]));
    const columns: Column<DeadLetterList["data"][number]>[] = [
      { header: "Failed", cell: (d) => <Time value={d.createdAt} /> },
      {
        header: "Dead letter",
        cell: (d) => (
          <a href={href(`/dead-letters/${d.id}`)}>
            <code>{d.id}</code>
          </a>
        ),
      },
      {
        header: "Source",
        cell: (d) =>
          d.sourceId ? (
            <a href={href(`/sources/${d.sourceId}`)}>{names.get(d.sourceId) ?? d.sourceId}</a>
          ) : (
            "—"
          ),
      },
      { header: "Reason", cell: (d) => <code>{d.reason}</code> },
      { header: "Detail", cell: (d) => d.detail ?? "—" },
      { header: "Attempts", cell: (d) => d.attempts, numeric: true },
      {
        header: "Actions",
        cell: (d) => (
          <div class="ops-actions">
            <Form action={href(`/dead-letters/${d.id}/replay`)} layout="inline" label={`Replay ${d.id}`}>
              <button type="submit" class="secondary">
                Replay
              </button>
            </Form>
          </div>
        ),
      },
    ];
    return c.render(
      <>
        <OpsAssets />
        <FilterForm action={href("/dead-letters")} filter={filter} sources={sources} submit="Filter" />
        <p>
          <a href={href(`/dead-letters/replay?${new URLSearchParams(filter)}`)}>
            Replay all dead letters matching this filter…
          </a>
        </p>
        <DataTable
          caption="Dead letters, newest first"
          rows={page.data}
          columns={columns}
          nextCursor={page.nextCursor}
          empty="No dead letter matches."
        />
        {jobs.data.length > 0 ? (
          <section aria-labelledby="jobs-title">
            <h2 id="jobs-title">Bulk replays</h2>
            <DataTable
              caption="The latest bulk replays"
              rows={jobs.data}
              columns={[
                {
                  header: "Job",
                  cell: (j) => <a href={href(`/dead-letters/replay-jobs/${j.id}`)}>{j.id}</a>,
                },
                { header: "Filter", cell: (j) => describe(j.filter) },
                { header: "Status", cell: (j) => j.status },
                { header: "Replayed", cell: (j) => `${j.replayed} of ${j.total}`, numeric: true },
                { header: "Started", cell: (j) => <Time value={j.createdAt} /> },
              ]}
            />
          </section>
        ) : null}
      </>,
      { title: "Dead letters", nav: "dead-letters" },
    );
  });

  // Dry run: how many match, then a confirm button that starts the job with the same filter.
  app.get("/dead-letters/replay", async (c) => {
    const filter = filterOf(c.req.query());
    const [dry, sources] = await Promise.all([
      adminApi(c).send<ReplayDryRun>("POST", "/v1/admin/replay-jobs", { ...filter, dryRun: true }),
      sourcesOf(c),
    ]);
    return c.render(
      <>
        <OpsAssets />
        <FilterForm
          action={href("/dead-letters/replay")}
          filter={filter}
          sources={sources}
          submit="Count again"
        />
        <p role="status">
          <strong>{dry.matching.toLocaleString("en")}</strong> dead{" "}
          {dry.matching === 1 ? "letter matches" : "letters match"} {describe(filter)}.
        </p>
        {dry.matching > 0 ? (
          <Form action={href("/dead-letters/replay-jobs")} label="Start the bulk replay">
            {Object.entries(filter).map(([name, value]) => (
              <input type="hidden" name={name} value={value} />
            ))}
            <p class="hint">
              Each is sent back to the ingest queue, oldest first, and removed; one that fails again comes
              back as a new dead letter. Dead letters arriving after the start are not part of the replay.
            </p>
            <div>
              <button type="submit">
                Replay {dry.matching.toLocaleString("en")} dead {dry.matching === 1 ? "letter" : "letters"}
              </button>
            </div>
          </Form>
        ) : null}
      </>,
      { title: "Replay dead letters", nav: "dead-letters" },
    );
  });

  app.post("/dead-letters/replay-jobs", async (c) => {
    const filter = filterOf(await c.req.parseBody());
    const job = await adminApi(c).send<ReplayJobView>("POST", "/v1/admin/replay-jobs", filter);
    return redirectWithFlash(c, href(`/dead-letters/replay-jobs/${job.id}`), {
      kind: "ok",
      text: `Replay started: ${job.total} dead letters.`,
    });
  });

  app.get("/dead-letters/replay-jobs/:id", async (c) => {
    const job = await adminApi(c).get<ReplayJobView>(
      `/v1/admin/replay-jobs/${encodeURIComponent(c.req.param("id"))}`,
    );
    return c.render(
      <>
        <OpsAssets />
        <Progress
          label="Replaying dead letters"
          value={job.replayed}
          max={job.total}
          running={job.status === "running"}
        />
        {job.error ? (
          <p class="problem" role="alert">
            Last error: {job.error}. The job retries on the next minute.
          </p>
        ) : null}
        <dl class="facts">
          <dt>Filter</dt>
          <dd>{describe(job.filter)}</dd>
          <dt>Started</dt>
          <dd>
            <Time value={job.createdAt} />
          </dd>
          <dt>Finished</dt>
          <dd>
            <Time value={job.finishedAt} />
          </dd>
        </dl>
        <p class="hint">
          The replay runs on the gateway: leave this page and come back from the dead letters list. Replayed
          deliveries settle again; find them in{" "}
          <a href={href("/deliveries?disposition=stored")}>the delivery log</a>.
        </p>
      </>,
      { title: `Bulk replay ${job.id}`, nav: "dead-letters" },
    );
  });

  app.get("/dead-letters/:id", async (c) => {
    const d = await adminApi(c).get<DeadLetterView>(
      `/v1/admin/dead-letters/${encodeURIComponent(c.req.param("id"))}`,
    );
    const message = d.message as { body?: unknown; headers?: unknown } | null;
    let body: unknown = message?.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // shown as text
      }
    }
    return c.render(
      <>
        <OpsAssets />
        <dl class="facts">
          <dt>Reason</dt>
          <dd>
            <code>{d.reason}</code>
          </dd>
          <dt>Detail</dt>
          <dd>{d.detail ?? "—"}</dd>
          <dt>Attempts</dt>
          <dd>{d.attempts}</dd>
          <dt>Failed</dt>
          <dd>
            <Time value={d.createdAt} />
          </dd>
          <dt>Source</dt>
          <dd>{d.sourceId ? <a href={href(`/sources/${d.sourceId}`)}>{d.sourceId}</a> : "—"}</dd>
          <dt>Delivery</dt>
          <dd>{d.deliveryId ? <a href={href(`/deliveries/${d.deliveryId}`)}>{d.deliveryId}</a> : "—"}</dd>
        </dl>
        <div class="ops-actions">
          <Form action={href(`/dead-letters/${d.id}/replay`)} layout="inline" label="Replay this dead letter">
            <button type="submit">Replay</button>
          </Form>
          <Form action={href(`/dead-letters/${d.id}/delete`)} layout="inline" label="Delete this dead letter">
            <button type="submit" class="danger">
              Delete
            </button>
          </Form>
        </div>
        <h2>Body</h2>
        {body === undefined ? (
          <p class="empty">Kept out of band (a large body): see the message.</p>
        ) : (
          <JsonBlock value={body} label="Original body" />
        )}
        <h2>Original message</h2>
        <JsonBlock value={d.message} label="The queue message a replay sends again" />
      </>,
      { title: `Dead letter ${d.id}`, nav: "dead-letters" },
    );
  });

  app.post("/dead-letters/:id/replay", async (c) => {
    const id = c.req.param("id");
    await adminApi(c).send("POST", `/v1/admin/dead-letters/${encodeURIComponent(id)}/replay`);
    return redirectWithFlash(c, href("/dead-letters"), {
      kind: "ok",
      text: `Dead letter ${id} replayed: its delivery is back in the queue.`,
    });
  });

  app.post("/dead-letters/:id/delete", async (c) => {
    const id = c.req.param("id");
    await adminApi(c).send("DELETE", `/v1/admin/dead-letters/${encodeURIComponent(id)}`);
    return redirectWithFlash(c, href("/dead-letters"), { kind: "ok", text: `Dead letter ${id} deleted.` });
  });
}
