import type { DeliveryView } from "../../routes/admin/delivery-schemas";
import type { DeliveryDetailView } from "../../routes/admin/get-delivery";
import type { DeliveryList } from "../../routes/admin/list-deliveries";
import type { SourceView } from "../../routes/admin/source-schemas";
import { adminApi } from "../admin-api";
import { Copy } from "../components/copy";
import { Form } from "../components/forms";
import { JsonBlock } from "../components/json";
import { OpsAssets } from "../components/ops-assets";
import { type Column, DataTable } from "../components/table";
import { Time } from "../components/time";
import { href } from "../env";
import { KIND_LABELS } from "./overview";
import type { ConsoleApp } from "./page";

/** Rows per page of the log. */
const PAGE_SIZE = 50;

/** A disposition as a tag: its kind colours it. */
export function Disposition({ value }: { value: string }) {
  return <span class={`disposition ${value.split(":")[0]}`}>{value}</span>;
}

/** `2026-12-02T15:10` (a datetime-local value, read as UTC) → ISO, or undefined. */
export function utcInput(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The datetime-local value (UTC) of an ISO time, for refilling a search form. */
function inputValue(iso: string | undefined): string {
  return iso ? iso.slice(0, 16) : "";
}

function SearchForm({ q, sources }: { q: Record<string, string>; sources: SourceView[] }) {
  return (
    <Form action={href("/deliveries")} method="get" layout="inline" label="Search the delivery log">
      <div class="ops-filters">
        <div>
          <label for="f-source">Source</label>
          <select id="f-source" name="sourceId">
            <option value="">Any source</option>
            {sources.map((s) => (
              <option value={s.id} selected={q.sourceId === s.id}>
                {s.name} ({s.type})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-disposition">Disposition</label>
          <input
            id="f-disposition"
            name="disposition"
            list="dispositions"
            value={q.disposition ?? ""}
            placeholder="e.g. rejected:signature_invalid"
          />
          <datalist id="dispositions">
            {Object.keys(KIND_LABELS).map((k) => (
              <option value={k} />
            ))}
          </datalist>
        </div>
        <div>
          <label for="f-from">From (UTC)</label>
          <input id="f-from" name="from" type="datetime-local" value={inputValue(q.from)} />
        </div>
        <div>
          <label for="f-to">To (UTC)</label>
          <input id="f-to" name="to" type="datetime-local" value={inputValue(q.to)} />
        </div>
        <div>
          <label for="f-key">Idempotency key</label>
          <input id="f-key" name="idempotencyKey" value={q.idempotencyKey ?? ""} />
        </div>
        <div>
          <label for="f-id">Delivery id</label>
          <input id="f-id" name="deliveryId" value={q.deliveryId ?? ""} placeholder="dlv_…" />
        </div>
        <div>
          <button type="submit">Search</button>
        </div>
      </div>
    </Form>
  );
}

/**
 * GET /console/deliveries: the delivery log searched by source, disposition, time range (UTC),
 * idempotency key or delivery id, 50 a page (cursor pagination of GET /v1/admin/deliveries);
 * GET /console/deliveries/:id: one delivery (GET /v1/admin/deliveries/{id}) with its forwarded headers,
 * its body pretty-printed, its disposition and reason, and the events and profiles it produced.
 */
export function registerDeliveriesPage(app: ConsoleApp): void {
  app.get("/deliveries", async (c) => {
    const api = adminApi(c);
    const raw = c.req.query();
    const q: Record<string, string> = {};
    for (const name of ["sourceId", "disposition", "idempotencyKey", "deliveryId", "cursor"])
      if (raw[name]?.trim()) q[name] = raw[name].trim();
    const from = utcInput(raw.from);
    const to = utcInput(raw.to);
    if (from) q.from = from;
    if (to) q.to = to;
    const query = new URLSearchParams({ ...q, limit: String(PAGE_SIZE) });
    const [page, sources] = await Promise.all([
      api.get<DeliveryList>(`/v1/admin/deliveries?${query}`),
      api.get<{ data: SourceView[] }>("/v1/admin/sources"),
    ]);
    const names = new Map(sources.data.map((s) => [s.id, s.name]));
    const columns: Column<DeliveryView>[] = [
      { header: "Received", cell: (d) => <Time value={d.receivedAt} /> },
      {
        header: "Delivery",
        cell: (d) => (
          <a href={href(`/deliveries/${d.id}`)}>
            <code>{d.id}</code>
          </a>
        ),
      },
      {
        header: "Source",
        cell: (d) => <a href={href(`/sources/${d.sourceId}`)}>{names.get(d.sourceId) ?? d.sourceId}</a>,
      },
      { header: "Disposition", cell: (d) => <Disposition value={d.disposition} /> },
      { header: "Idempotency key", cell: (d) => (d.idempotencyKey ? <code>{d.idempotencyKey}</code> : "—") },
    ];
    return c.render(
      <>
        <OpsAssets />
        <SearchForm q={q} sources={sources.data} />
        <DataTable
          caption="Deliveries, newest first"
          rows={page.data}
          columns={columns}
          nextCursor={page.nextCursor}
          empty="No delivery matches."
        />
      </>,
      { title: "Deliveries", nav: "deliveries" },
    );
  });

  app.get("/deliveries/:id", async (c) => {
    const id = c.req.param("id");
    const d = await adminApi(c).get<DeliveryDetailView>(`/v1/admin/deliveries/${encodeURIComponent(id)}`);
    let body: unknown = d.body;
    if (d.body !== null && !d.bodyTruncated && /json/i.test(d.headers?.["content-type"] ?? "json")) {
      try {
        body = JSON.parse(d.body);
      } catch {
        body = d.body;
      }
    }
    const profiles = [...new Set(d.events.map((e) => e.liveProfileId))];
    return c.render(
      <>
        <OpsAssets />
        <dl class="facts">
          <dt>Delivery</dt>
          <dd>
            <Copy text={d.id} label="Copy delivery id" />
          </dd>
          <dt>Disposition</dt>
          <dd>
            <Disposition value={d.disposition} />
            {d.reason ? (
              <>
                {" "}
                reason <code>{d.reason}</code>
              </>
            ) : null}
          </dd>
          <dt>Source</dt>
          <dd>
            <a href={href(`/sources/${d.sourceId}`)}>{d.sourceId}</a>
            {d.workspace ? ` · workspace ${d.workspace}` : ""}
          </dd>
          <dt>Received</dt>
          <dd>
            <Time value={d.receivedAt} />
          </dd>
          <dt>Settled</dt>
          <dd>
            <Time value={d.processedAt} />
          </dd>
          <dt>Idempotency key</dt>
          <dd>{d.idempotencyKey ? <code>{d.idempotencyKey}</code> : "—"}</dd>
          {d.deadLetterId ? (
            <>
              <dt>Dead letter</dt>
              <dd>
                <a href={href(`/dead-letters/${d.deadLetterId}`)}>{d.deadLetterId}</a> (inspect or replay)
              </dd>
            </>
          ) : null}
        </dl>

        <h2>Events and profiles it produced</h2>
        <DataTable
          caption="Events stored from this delivery"
          rows={d.events}
          empty={
            d.disposition === "duplicate"
              ? "None: a copy of a delivery whose events were already stored."
              : "No event (rejected, ignored, dead-lettered, or erased since)."
          }
          columns={[
            { header: "Event", cell: (e) => <code>{e.id}</code> },
            { header: "Type", cell: (e) => e.type },
            { header: "Occurred", cell: (e) => <Time value={e.occurredAt} /> },
            {
              header: "Profile",
              cell: (e) => (
                <a href={href(`/profiles/${e.liveProfileId}`)}>
                  {e.liveProfileId}
                  {e.liveProfileId !== e.profileId ? ` (merged from ${e.profileId})` : ""}
                </a>
              ),
            },
          ]}
        />
        {profiles.length > 0 ? (
          <p class="hint">
            {profiles.length === 1 ? "Profile" : "Profiles"}:{" "}
            {profiles.map((p) => (
              <a class="profile-link" href={href(`/profiles/${p}`)}>
                {p}{" "}
              </a>
            ))}
          </p>
        ) : null}

        <h2>Headers</h2>
        {d.headers ? (
          <dl class="facts">
            {Object.entries(d.headers).map(([name, value]) => (
              <>
                <dt>
                  <code>{name}</code>
                </dt>
                <dd>
                  <code>{value}</code>
                </dd>
              </>
            ))}
          </dl>
        ) : (
          <p class="empty">
            Not kept
            {d.disposition.startsWith("rejected") ? ": a rejected request's content is never stored." : "."}
          </p>
        )}
        <p class="hint">
          Only the headers the source's sender forwards (content type, user agent, event topic, delivery ids);
          signatures and credentials are never kept.
        </p>

        <h2>Body</h2>
        {d.body === null ? (
          <p class="empty">
            {d.bodyBytes !== null
              ? "Not kept."
              : d.disposition.startsWith("rejected")
                ? "Not kept: a rejected request's content is never stored."
                : "Not kept (stored out of band as a large body, from before bodies were kept, or erased)."}
          </p>
        ) : (
          <>
            <JsonBlock value={body} label="Delivery body" />
            {d.bodyTruncated ? (
              <p class="hint">
                The first {new TextEncoder().encode(d.body).length.toLocaleString("en")} of{" "}
                {(d.bodyBytes ?? 0).toLocaleString("en")} bytes.
              </p>
            ) : (
              <p class="hint">{(d.bodyBytes ?? 0).toLocaleString("en")} bytes.</p>
            )}
          </>
        )}
      </>,
      { title: `Delivery ${d.id}`, nav: "deliveries" },
    );
  });
}
