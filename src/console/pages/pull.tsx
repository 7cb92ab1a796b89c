import type { FileImportView } from "../../routes/admin/file-import-schemas";
import type { FileImportRejectionList } from "../../routes/admin/list-file-import-rejections";
import type { FileImportList } from "../../routes/admin/list-file-imports";
import type { PollJobList } from "../../routes/admin/list-poll-jobs";
import type { SourceView } from "../../routes/admin/source-schemas";
import type { AcceptedFile } from "../../routes/sources/upload-file";
import { AdminApiError, adminApi } from "../admin-api";
import { Form } from "../components/forms";
import { ProblemBlock } from "../components/problem";
import { Progress } from "../components/progress";
import { DataTable, listQuery } from "../components/table";
import { Time } from "../components/time";
import { href } from "../env";
import { redirectWithFlash } from "../flash";
import type { ConsoleApp } from "./page";

/** Poll job actions the page offers, each one admin API POST (…/poll-job/<action>). */
const JOB_ACTIONS = {
  run: "Run started",
  pause: "Paused",
  resume: "Resumed",
  "reset-cursor": "Cursor reset: the next run reads from the start",
} as const;

/** Source types whose sources take CSV files (the upload form lists only these). */
const FILE_SOURCE_TYPES = new Set(["csv-file", "rest-poll"]);

type PollJobRow = PollJobList["data"][number];

/**
 * GET /console/pull: poll jobs (status, cursor, last success, last error, next run; run now, pause,
 * resume, reset cursor), the CSV upload form and the latest file imports. GET /console/pull/imports
 * lists every import; GET /console/pull/imports/:id shows one with its progress and rejected rows.
 */
export function registerPullPage(app: ConsoleApp): void {
  app.get("/pull", async (c) => {
    const api = adminApi(c);
    const [jobs, imports, sources] = await Promise.all([
      api.get<PollJobList>(`/v1/admin/poll-jobs?${listQuery(c, ["cursor"], 50)}`),
      api.get<FileImportList>("/v1/admin/file-imports?limit=10"),
      api.get<{ data: SourceView[] }>("/v1/admin/sources"),
    ]);
    const fileSources = sources.data.filter((s) => FILE_SOURCE_TYPES.has(s.type));
    const names = new Map(sources.data.map((s) => [s.id, s.name]));
    return c.render(
      <>
        <section aria-labelledby="poll-jobs">
          <h2 id="poll-jobs">Poll jobs</h2>
          <DataTable
            caption="Poll jobs"
            rows={jobs.data}
            empty="No source polls an API or a file yet."
            nextCursor={jobs.nextCursor}
            columns={[
              { header: "Source", cell: (j) => <SourceCell name={j.source.name} detail={j.source.type} /> },
              { header: "Status", cell: (j) => <JobStatus job={j} /> },
              { header: "Cursor", cell: (j) => <Checkpoint value={j.checkpoint} /> },
              { header: "Last success", cell: (j) => <Time value={j.lastSuccessAt} /> },
              { header: "Last error", cell: (j) => <LastError job={j} /> },
              {
                header: "Next run",
                cell: (j) => (j.paused ? <span class="muted">paused</span> : <Time value={j.nextRunAt} />),
              },
              { header: "Records", numeric: true, cell: (j) => j.recordsFetched.toLocaleString("en") },
              { header: "Actions", cell: (j) => <JobActions job={j} /> },
            ]}
          />
        </section>

        <section aria-labelledby="upload">
          <h2 id="upload">Upload a CSV file</h2>
          {fileSources.length === 0 ? (
            <p class="empty">Create a csv-file source first: its files are imported row by row as events.</p>
          ) : (
            <Form action={href("/pull/upload")} enctype="multipart/form-data" label="Upload a CSV file">
              <div>
                <label for="upload-source">Source</label>
                <select id="upload-source" name="sourceId" required>
                  {fileSources.map((s) => (
                    <option value={s.id}>{`${s.name} (${s.type}, ${s.workspace})`}</option>
                  ))}
                </select>
              </div>
              <div>
                <label for="upload-file">CSV file</label>
                <input id="upload-file" type="file" name="file" accept=".csv,.tsv,.txt,text/csv" required />
                <p class="hint">
                  Up to {CONSOLE_UPLOAD_MAX_MB} MB from here (the source's own limit applies too); larger
                  files go to <code>POST /v1/sources/&#123;id&#125;/files</code>.
                </p>
              </div>
              <div>
                <button type="submit">Upload and import</button>
              </div>
            </Form>
          )}
        </section>

        <section aria-labelledby="imports">
          <h2 id="imports">Latest file imports</h2>
          <ImportsTable imports={imports.data} names={names} />
          <p>
            <a href={href("/pull/imports")}>All file imports</a>
          </p>
        </section>
      </>,
      { title: "Pull", nav: "pull" },
    );
  });

  app.post("/pull/jobs/:sourceId/:action", async (c) => {
    const { sourceId, action } = c.req.param();
    if (!(action in JOB_ACTIONS)) return c.notFound();
    try {
      await adminApi(c).send("POST", `/v1/admin/sources/${encodeURIComponent(sourceId)}/poll-job/${action}`);
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      return redirectWithFlash(c, href("/pull"), { kind: "error", text: error.message });
    }
    return redirectWithFlash(c, href("/pull"), {
      kind: "ok",
      text: JOB_ACTIONS[action as keyof typeof JOB_ACTIONS],
    });
  });

  app.post("/pull/upload", async (c) => {
    const body = await c.req.parseBody();
    const sourceId = typeof body.sourceId === "string" ? body.sourceId : "";
    const file = body.file;
    if (!sourceId || !(file instanceof File) || file.size === 0)
      return redirectWithFlash(c, href("/pull"), {
        kind: "error",
        text: "Choose a source and a non-empty CSV file",
      });
    if (file.size > CONSOLE_UPLOAD_MAX_MB * 1024 * 1024)
      return redirectWithFlash(c, href("/pull"), {
        kind: "error",
        text: `The console takes files up to ${CONSOLE_UPLOAD_MAX_MB} MB; send larger ones to the upload API`,
      });
    // Forwarded as the raw file (text/csv), as the upload API takes it: the same checks and import as
    // a sender's upload, authenticated with the admin token instead of the source's API key.
    const query = file.name ? `?filename=${encodeURIComponent(file.name.slice(0, 255))}` : "";
    const response = await adminApi(c).fetch(
      `/v1/admin/sources/${encodeURIComponent(sourceId)}/files${query}`,
      { method: "POST", headers: { "content-type": "text/csv" }, body: file },
    );
    const answer = (await response.json().catch(() => null)) as
      | (AcceptedFile & { detail?: string; title?: string })
      | null;
    if (response.status !== 202 || !answer?.importId)
      return redirectWithFlash(c, href("/pull"), {
        kind: "error",
        text: `Upload refused: ${answer?.detail ?? answer?.title ?? `HTTP ${response.status}`}`,
      });
    return redirectWithFlash(c, href(`/pull/imports/${answer.importId}`), {
      kind: "ok",
      text: `Uploaded ${file.name || "the file"}; importing`,
    });
  });

  app.get("/pull/imports", async (c) => {
    const api = adminApi(c);
    const [imports, sources] = await Promise.all([
      api.get<FileImportList>(`/v1/admin/file-imports?${listQuery(c, ["sourceId", "cursor"], 50)}`),
      api.get<{ data: SourceView[] }>("/v1/admin/sources"),
    ]);
    return c.render(
      <>
        <p>
          <a href={href("/pull")}>← Pull</a>
        </p>
        <ImportsTable
          imports={imports.data}
          names={new Map(sources.data.map((s) => [s.id, s.name]))}
          nextCursor={imports.nextCursor}
        />
      </>,
      { title: "File imports", nav: "pull" },
    );
  });

  app.get("/pull/imports/:id", async (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const api = adminApi(c);
    const query = listQuery(c, ["cursor"], 100);
    const [job, rejections] = await Promise.all([
      api.get<FileImportView>(`/v1/admin/file-imports/${id}?rejections=0`),
      api.get<FileImportRejectionList>(`/v1/admin/file-imports/${id}/rejections?${query}`),
    ]);
    const running = job.status === "queued" || job.status === "running";
    return c.render(
      <>
        <p>
          <a href={href("/pull")}>← Pull</a>
        </p>
        <Progress
          label={running ? "Importing" : job.status === "failed" ? "Import failed" : "Import finished"}
          value={job.bytesRead}
          {...(job.byteSize ? { max: job.byteSize } : {})}
          running={running}
          refreshSeconds={2}
        />
        <dl class="facts">
          <dt>Status</dt>
          <dd data-testid="import-status">{job.status}</dd>
          <dt>Rows read</dt>
          <dd data-testid="rows-read">{job.rowsRead.toLocaleString("en")}</dd>
          <dt>Accepted</dt>
          <dd data-testid="rows-accepted">{job.accepted.toLocaleString("en")}</dd>
          <dt>Rejected</dt>
          <dd data-testid="rows-rejected">{job.rejected.toLocaleString("en")}</dd>
          <dt>File</dt>
          <dd>
            {job.filename ?? <span class="muted">unnamed</span>} · {job.origin}
            {job.byteSize !== null ? ` · ${job.byteSize.toLocaleString("en")} bytes` : ""}
          </dd>
          <dt>Source</dt>
          <dd>
            <code>{job.sourceId}</code>
          </dd>
          <dt>Columns</dt>
          <dd>{job.columns ? job.columns.map((col) => col ?? "(skipped)").join(", ") : "—"}</dd>
          <dt>Format</dt>
          <dd>
            {job.delimiter ? `delimiter ${JSON.stringify(job.delimiter)}` : "—"}
            {job.encoding ? ` · ${job.encoding}` : ""}
          </dd>
          <dt>Started</dt>
          <dd>
            <Time value={job.startedAt} />
          </dd>
          <dt>Finished</dt>
          <dd>
            <Time value={job.finishedAt} />
          </dd>
        </dl>
        {job.error ? (
          <ProblemBlock
            problem={{
              type: "about:blank",
              title: "The import stopped",
              detail: job.error,
              status: 422,
              code: "unprocessable",
            }}
          />
        ) : null}
        {job.warnings.length > 0 ? (
          <ul aria-label="Warnings">
            {job.warnings.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        ) : null}
        <h2>Rejected rows</h2>
        <DataTable
          caption="Rejected rows"
          rows={rejections.data}
          empty={running ? "None so far." : "No row was rejected."}
          nextCursor={rejections.nextCursor}
          columns={[
            { header: "Row", numeric: true, cell: (r) => r.row },
            { header: "Line", numeric: true, cell: (r) => r.line },
            { header: "Reason", cell: (r) => r.reason },
          ]}
        />
        {rejections.rejected > 1000 ? (
          <p class="hint">
            The first 1,000 rejected rows are kept; {rejections.rejected.toLocaleString("en")} were rejected
            in all.
          </p>
        ) : null}
      </>,
      { title: `File import ${job.filename ?? job.id}`, nav: "pull" },
    );
  });
}

/** The largest file the console's upload form forwards (the form body is held in memory to parse it). */
const CONSOLE_UPLOAD_MAX_MB = 32;

function SourceCell({ name, detail }: { name: string; detail: string }) {
  return (
    <>
      {name}
      <br />
      <span class="hint">{detail}</span>
    </>
  );
}

function JobStatus({ job }: { job: PollJobRow }) {
  return (
    <>
      {job.status}
      {job.paused ? <span class="muted"> · paused</span> : null}
      {job.status === "running" ? (
        <span class="hint">
          <br />
          {`${job.run.pages} pages, ${job.run.records} records`}
        </span>
      ) : null}
    </>
  );
}

function Checkpoint({ value }: { value: Record<string, unknown> }) {
  const text = JSON.stringify(value);
  if (text === "{}") return <span class="muted">start</span>;
  return <code title={text}>{text.length > 60 ? `${text.slice(0, 57)}…` : text}</code>;
}

function LastError({ job }: { job: PollJobRow }) {
  if (!job.lastError) return <span class="muted">—</span>;
  return (
    <>
      {job.lastError}
      <br />
      <Time value={job.lastErrorAt} />
    </>
  );
}

function JobActions({ job }: { job: PollJobRow }) {
  const base = `/pull/jobs/${encodeURIComponent(job.sourceId)}`;
  const button = (action: keyof typeof JOB_ACTIONS, label: string, kind?: "secondary") => (
    <Form action={href(`${base}/${action}`)} layout="inline" label={`${label}: ${job.source.name}`}>
      <button type="submit" class={kind}>
        {label}
      </button>
    </Form>
  );
  return (
    <div class="actions">
      {!job.paused && job.status !== "running" ? button("run", "Run now") : null}
      {job.paused ? button("resume", "Resume") : button("pause", "Pause", "secondary")}
      {button("reset-cursor", "Reset cursor", "secondary")}
    </div>
  );
}

function ImportsTable({
  imports,
  names,
  nextCursor,
}: {
  imports: FileImportView[];
  names: Map<string, string>;
  nextCursor?: string | null;
}) {
  const running = imports.some((i) => i.status === "queued" || i.status === "running");
  return (
    <>
      <DataTable
        caption="File imports"
        rows={imports}
        empty="No file imported yet."
        nextCursor={nextCursor ?? null}
        columns={[
          {
            header: "File",
            cell: (i) => <a href={href(`/pull/imports/${i.id}`)}>{i.filename ?? i.id}</a>,
          },
          { header: "Source", cell: (i) => names.get(i.sourceId) ?? i.sourceId },
          { header: "Status", cell: (i) => i.status },
          { header: "Rows read", numeric: true, cell: (i) => i.rowsRead.toLocaleString("en") },
          { header: "Accepted", numeric: true, cell: (i) => i.accepted.toLocaleString("en") },
          { header: "Rejected", numeric: true, cell: (i) => i.rejected.toLocaleString("en") },
          { header: "Uploaded", cell: (i) => <Time value={i.createdAt} /> },
        ]}
      />
      {/* An import in progress: the list refreshes itself until it finishes (state is in the API). */}
      {running ? <div data-refresh="5" hidden /> : null}
    </>
  );
}
