import type { ExtensionCallList } from "../../routes/admin/extensions/list-calls";
import type { ExtensionView } from "../../routes/admin/extensions/schemas";
import type { IndicatorView } from "../../routes/admin/indicators/schemas";
import { AdminApiError, adminApi } from "../admin-api";
import { Form, WorkspacePicker } from "../components/forms";
import { JsonBlock } from "../components/json";
import { Progress } from "../components/progress";
import { DataTable, listQuery } from "../components/table";
import { Time } from "../components/time";
import { type ConsoleContext, href } from "../env";
import { redirectWithFlash } from "../flash";
import type { ConsoleApp } from "./page";

interface RejectionPage {
  data: {
    id: string;
    sourceId: string;
    deliveryId: string;
    eventType: string;
    reason: string;
    createdAt: string;
  }[];
  nextCursor: string | null;
}

/** The `?workspace=` a page shows ("default" when absent or malformed: the API validates it anyway). */
function workspaceOf(c: ConsoleContext): string {
  const value = c.req.query("workspace") ?? "";
  return /^[a-z0-9][a-z0-9_-]{0,62}$/.test(value) ? value : "default";
}

/**
 * GET /console/enrichment: a workspace's extensions with their external system's circuit breaker, and
 * its activity indicators with their definitions and recompute progress. GET
 * /console/enrichment/extensions/:id: one extension's recent calls and rejected events.
 */
export function registerEnrichmentPage(app: ConsoleApp): void {
  app.get("/enrichment", async (c) => {
    const workspace = workspaceOf(c);
    const api = adminApi(c);
    const [extensions, indicators] = await Promise.all([
      api.get<{ data: ExtensionView[] }>(`/v1/admin/extensions?workspace=${workspace}`),
      api.get<{ data: IndicatorView[] }>(`/v1/admin/indicators?workspace=${workspace}`),
    ]);
    const recomputing = indicators.data.filter((i) => i.status === "recomputing");
    return c.render(
      <>
        <WorkspacePicker action={href("/enrichment")} workspace={workspace} />

        <section aria-labelledby="extensions">
          <h2 id="extensions">Extensions</h2>
          <DataTable
            caption="Extensions, in run order"
            rows={extensions.data}
            empty="No extension in this workspace."
            columns={[
              {
                header: "Name",
                cell: (e) => (
                  <a href={href(`/enrichment/extensions/${encodeURIComponent(e.id)}`)}>{e.name}</a>
                ),
              },
              { header: "Mode", cell: (e) => e.mode },
              { header: "Enabled", cell: (e) => (e.enabled ? "yes" : "no") },
              { header: "Endpoint", cell: (e) => <code>{e.endpoint}</code> },
              { header: "System", cell: (e) => e.system },
              { header: "Breaker", cell: (e) => <Breaker extension={e} /> },
              { header: "On failure", cell: (e) => e.onFailure },
            ]}
          />
        </section>

        <section aria-labelledby="indicators">
          <h2 id="indicators">Activity indicators</h2>
          {recomputing.map((i) => (
            <Progress label={`Recomputing ${i.name}`} value={i.recompute.percent} max={100} running={true} />
          ))}
          <DataTable
            caption="Indicator definitions"
            rows={indicators.data}
            empty="No indicator in this workspace."
            columns={[
              { header: "Name", cell: (i) => <code>{i.name}</code> },
              {
                header: "Definition",
                cell: (i) => (
                  <>
                    {i.aggregate}
                    {i.field ? ` of ${i.field}` : ""}
                    {i.windowDays !== null ? ` over ${i.windowDays} days` : " (all time)"}
                  </>
                ),
              },
              { header: "Event types", cell: (i) => (i.eventTypes ? i.eventTypes.join(", ") : "any") },
              {
                header: "Conditions",
                cell: (i) =>
                  i.conditions.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <code>{JSON.stringify(i.conditions)}</code>
                  ),
              },
              { header: "Version", numeric: true, cell: (i) => i.version },
              {
                header: "Status",
                cell: (i) => (i.status === "recomputing" ? `recomputing ${i.recompute.percent}%` : "current"),
              },
              {
                header: "Recompute",
                cell: (i) => (
                  <Form
                    action={href(
                      `/enrichment/indicators/${encodeURIComponent(i.id)}/recompute?workspace=${workspace}`,
                    )}
                    layout="inline"
                    label={`Recompute ${i.name}`}
                  >
                    <button type="submit" class="secondary" disabled={i.status === "recomputing"}>
                      Recompute
                    </button>
                  </Form>
                ),
              },
            ]}
          />
        </section>
      </>,
      { title: "Enrichment", nav: "enrichment" },
    );
  });

  app.post("/enrichment/indicators/:id/recompute", async (c) => {
    const back = href(`/enrichment?workspace=${workspaceOf(c)}`);
    try {
      await adminApi(c).send(
        "POST",
        `/v1/admin/indicators/${encodeURIComponent(c.req.param("id"))}/recompute`,
      );
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      return redirectWithFlash(c, back, { kind: "error", text: error.message });
    }
    return redirectWithFlash(c, back, { kind: "ok", text: "Recompute started" });
  });

  app.get("/enrichment/extensions/:id", async (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const api = adminApi(c);
    const [extension, calls, rejections] = await Promise.all([
      api.get<ExtensionView>(`/v1/admin/extensions/${id}`),
      api.get<ExtensionCallList>(`/v1/admin/extensions/${id}/calls?${listQuery(c, ["cursor"], 50)}`),
      api.get<RejectionPage>(
        `/v1/admin/extensions/${id}/rejections?limit=25${c.req.query("rejections") ? `&cursor=${encodeURIComponent(c.req.query("rejections")!)}` : ""}`,
      ),
    ]);
    const nextRejections = new URL(c.req.url);
    if (rejections.nextCursor) nextRejections.searchParams.set("rejections", rejections.nextCursor);
    return c.render(
      <>
        <p>
          <a href={href(`/enrichment?workspace=${extension.workspace}`)}>← Enrichment</a>
        </p>
        <dl class="facts">
          <dt>Breaker</dt>
          <dd>
            <Breaker extension={extension} />
          </dd>
          <dt>Mode</dt>
          <dd>{`${extension.mode}, ${extension.enabled ? "enabled" : "disabled"}, on failure ${extension.onFailure}`}</dd>
          <dt>Endpoint</dt>
          <dd>
            <code>{extension.endpoint}</code> ({extension.auth}, timeout {extension.timeoutMs} ms)
          </dd>
          <dt>External system</dt>
          <dd>{extension.system}</dd>
          <dt>Provides</dt>
          <dd>{extension.provides.length ? extension.provides.join(", ") : "—"}</dd>
        </dl>
        <JsonBlock label="Match and limits" value={{ match: extension.match, limits: extension.limits }} />

        <h2>Recent calls</h2>
        <DataTable
          caption="Recent calls, newest first"
          rows={calls.data}
          empty="No call yet."
          nextCursor={calls.nextCursor}
          columns={[
            { header: "Time", cell: (k) => <Time value={k.at} /> },
            { header: "Outcome", cell: (k) => k.outcome },
            { header: "HTTP status", numeric: true, cell: (k) => k.status ?? "—" },
            { header: "Duration (ms)", numeric: true, cell: (k) => k.durationMs },
            { header: "Detail", cell: (k) => k.detail ?? "" },
          ]}
        />

        <h2>Rejected events</h2>
        <DataTable
          caption="Events this extension rejected (not stored)"
          rows={rejections.data}
          empty="No event rejected."
          columns={[
            { header: "Time", cell: (r) => <Time value={r.createdAt} /> },
            { header: "Event type", cell: (r) => r.eventType },
            { header: "Reason", cell: (r) => r.reason },
            { header: "Source", cell: (r) => <code>{r.sourceId}</code> },
            { header: "Delivery", cell: (r) => <code>{r.deliveryId}</code> },
          ]}
        />
        {rejections.nextCursor ? (
          <p>
            <a href={nextRejections.pathname + nextRejections.search}>Older rejections</a>
          </p>
        ) : null}
      </>,
      { title: `Extension ${extension.name}`, nav: "enrichment" },
    );
  });
}

function Breaker({ extension }: { extension: ExtensionView }) {
  const circuit = extension.circuit;
  if (!circuit) return <span class="muted">unknown</span>;
  return (
    <>
      <strong>{circuit.state.replace("_", "-")}</strong>
      {circuit.failures > 0 ? ` · ${circuit.failures} failures` : ""}
      {circuit.openedAt ? (
        <>
          {" · since "}
          <Time value={circuit.openedAt} />
        </>
      ) : null}
    </>
  );
}
