import type { ProfileGraphView } from "../../routes/admin/get-profile-graph";
import type { EventList } from "../../routes/admin/list-profile-events";
import type { ErasureReceiptView, Merge, Profile } from "../../routes/admin/profile-schemas";
import { AdminApiError, adminApi } from "../admin-api";
import { Copy } from "../components/copy";
import { ConfirmForm, typedConfirmationMatches } from "../components/forms";
import { IdentityGraph } from "../components/identity-graph";
import { JsonBlock } from "../components/json";
import { DataTable, listQuery } from "../components/table";
import { Time } from "../components/time";
import { href } from "../env";
import { redirectWithFlash } from "../flash";
import type { ConsoleApp } from "./page";

/** Events per page on the profile page. */
const EVENTS_PAGE = 20;

type Identifier = Profile["identifierDetails"][number];
type Trait = { name: string; value: unknown; origin: Profile["traitOrigins"][string] | undefined };
type StoredEvent = EventList["data"][number];

function profilePath(id: string, rest = ""): string {
  return href(`/profiles/${encodeURIComponent(id)}${rest}`);
}

function inline(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * The profile page and its actions:
 * - GET /console/profiles/:id: identifiers (first/last seen), traits with the source, event and
 *   delivery that set each, activity indicators, the identity graph, merge history with why, events
 *   (paged), export and erase. A merged profile's id shows its survivor.
 * - GET /console/profiles/:id/export: the admin API's export, downloaded as a JSON file.
 * - POST /console/profiles/:id/erase: erases after the typed confirmation (the profile id), then shows
 *   the receipt (GET /console/erasures/:receiptId).
 */
export function registerProfilePage(app: ConsoleApp): void {
  app.get("/profiles/:id", async (c) => {
    const api = adminApi(c);
    const asked = c.req.param("id");
    const id = encodeURIComponent(asked);
    const [profile, merges, graph, events] = await Promise.all([
      api.get<Profile>(`/v1/admin/profiles/${id}`),
      api.get<{ data: Merge[] }>(`/v1/admin/profiles/${id}/merges`),
      api.get<ProfileGraphView>(`/v1/admin/profiles/${id}/graph`),
      api.get<EventList>(`/v1/admin/profiles/${id}/events?${listQuery(c, ["cursor"], EVENTS_PAGE)}`),
    ]);
    const traits: Trait[] = Object.entries(profile.traits).map(([name, value]) => ({
      name,
      value,
      origin: profile.traitOrigins[name],
    }));
    const indicators = Object.entries(profile.indicators);
    return c.render(
      <>
        {asked !== profile.id ? (
          <p class="flash ok" role="status">
            {asked} was merged into this profile.
          </p>
        ) : null}
        <dl class="facts">
          <dt>Profile</dt>
          <dd>
            <Copy text={profile.id} label="Copy profile id" />
          </dd>
          <dt>Workspace</dt>
          <dd>{profile.workspace}</dd>
          <dt>Created</dt>
          <dd>
            <Time value={profile.createdAt} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time value={profile.updatedAt} />
          </dd>
          <dt>Merged profiles</dt>
          <dd>{profile.mergedProfileIds.length}</dd>
        </dl>
        <p>
          <a class="button" href={profilePath(profile.id, "/export")} download={`${profile.id}.json`}>
            Export (JSON)
          </a>{" "}
          <a href="#erase">Erase…</a>
        </p>

        <h2>Identifiers</h2>
        <DataTable<Identifier>
          caption="Identifiers"
          rows={profile.identifierDetails}
          empty="No identifiers."
          columns={[
            { header: "Type", cell: (i) => i.type },
            {
              header: "Value (match key)",
              cell: (i) => (
                <>
                  <code>{i.value}</code>
                  {i.quarantined ? <strong> quarantined</strong> : null}
                </>
              ),
            },
            { header: "First spelling", cell: (i) => i.rawValue },
            {
              header: "Source",
              cell: (i) => (i.sourceId ? <a href={href(`/sources/${i.sourceId}`)}>{i.sourceId}</a> : "—"),
            },
            { header: "First seen", cell: (i) => <Time value={i.firstSeenAt} /> },
            { header: "Last seen", cell: (i) => <Time value={i.lastSeenAt} /> },
          ]}
        />

        <h2>Traits</h2>
        <DataTable<Trait>
          caption="Traits, with the event that set each current value"
          rows={traits}
          empty="No traits."
          columns={[
            { header: "Trait", cell: (t) => <code>{t.name}</code> },
            { header: "Value", cell: (t) => inline(t.value) },
            {
              header: "Set by source",
              cell: (t) =>
                t.origin ? <a href={href(`/sources/${t.origin.sourceId}`)}>{t.origin.sourceId}</a> : "—",
            },
            {
              header: "Event",
              cell: (t) =>
                t.origin ? (
                  <>
                    <code>{t.origin.eventId}</code>
                    {t.origin.eventType ? ` (${t.origin.eventType})` : ""}
                  </>
                ) : (
                  "—"
                ),
            },
            {
              header: "Delivery",
              cell: (t) =>
                t.origin?.deliveryId ? (
                  <a href={href(`/deliveries/${t.origin.deliveryId}`)}>{t.origin.deliveryId}</a>
                ) : (
                  "—"
                ),
            },
            { header: "At (event time)", cell: (t) => <Time value={t.origin?.occurredAt} /> },
          ]}
        />

        <h2>Activity indicators</h2>
        {indicators.length === 0 ? (
          <p class="empty">No indicators are defined for this workspace.</p>
        ) : (
          <dl class="facts">
            {indicators.map(([name, v]) => (
              <>
                <dt>{name}</dt>
                <dd>
                  {v.value === null || v.value === undefined ? "—" : inline(v.value)}{" "}
                  <span class="hint">
                    {v.aggregate}
                    {v.windowDays ? ` over ${v.windowDays} days` : ""}
                    {v.status === "recomputing" ? " · recomputing" : ""}
                  </span>
                </dd>
              </>
            ))}
          </dl>
        )}
        {profile.pendingEnrichments.length > 0 ? (
          <p class="hint">
            Enrichments still out:{" "}
            {profile.pendingEnrichments.map((p) => `${p.extension} (${p.provides.join(", ")})`).join("; ")}
          </p>
        ) : null}

        <h2>Identity graph</h2>
        <IdentityGraph graph={graph} />

        <h2>Merge history</h2>
        <DataTable<Merge>
          caption="Merges that formed this profile, oldest first, with why"
          rows={merges.data}
          empty="This profile was never merged with another."
          columns={[
            { header: "When", cell: (m) => <Time value={m.createdAt} /> },
            { header: "Merged profile", cell: (m) => <code>{m.mergedId}</code> },
            { header: "Into", cell: (m) => <code>{m.survivorId}</code> },
            {
              header: "Shared identifier",
              cell: (m) => <code>{`${m.identifier.type}:${m.identifier.value}`}</code>,
            },
            { header: "Event", cell: (m) => <code>{m.eventId}</code> },
            { header: "Rule", cell: (m) => <code>{m.rule}</code> },
          ]}
        />

        <h2>Events</h2>
        <DataTable<StoredEvent>
          caption="Events, newest first"
          rows={events.data}
          nextCursor={events.nextCursor}
          empty="No events."
          columns={[
            { header: "Occurred", cell: (e) => <Time value={e.occurredAt} /> },
            { header: "Type", cell: (e) => <code>{e.type}</code> },
            { header: "Source", cell: (e) => <a href={href(`/sources/${e.sourceId}`)}>{e.sourceId}</a> },
            {
              header: "Delivery",
              cell: (e) => <a href={href(`/deliveries/${e.deliveryId}`)}>{e.deliveryId}</a>,
            },
            {
              header: "Body",
              cell: (e) => (
                <details>
                  <summary>
                    {Object.keys(e.traits).length} traits, {Object.keys(e.properties).length} properties
                    {e.warnings.length ? `, ${e.warnings.length} warnings` : ""}
                  </summary>
                  <JsonBlock
                    value={{
                      identifiers: e.identifiers,
                      traits: e.traits,
                      properties: e.properties,
                      warnings: e.warnings,
                    }}
                    maxChars={8000}
                  />
                </details>
              ),
            },
          ]}
        />

        <h2 id="erase">Erase</h2>
        <p>
          Removes this profile and the {profile.mergedProfileIds.length} merged into it: identifiers, traits,
          events, merges, review flags, dead letters that mention the person and their stored payloads.
          Redeliveries of the erased events are ignored. This cannot be undone; you get a receipt.
        </p>
        <ConfirmForm
          action={profilePath(profile.id, "/erase")}
          expected={profile.id}
          submitLabel="Erase profile"
        />
      </>,
      { title: `Profile ${profile.id}`, nav: "profiles" },
    );
  });

  app.get("/profiles/:id/export", async (c) => {
    const response = await adminApi(c).fetch(
      `/v1/admin/profiles/${encodeURIComponent(c.req.param("id"))}/export`,
    );
    if (!response.ok)
      return redirectWithFlash(c, profilePath(c.req.param("id")), {
        kind: "error",
        text: `Export failed (${response.status})`,
      });
    return new Response(response.body, {
      status: 200,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition":
          response.headers.get("content-disposition") ?? `attachment; filename="profile.json"`,
        "cache-control": "no-store",
      },
    });
  });

  app.post("/profiles/:id/erase", async (c) => {
    const id = c.req.param("id");
    const body = await c.req.parseBody();
    if (!typedConfirmationMatches(body, id))
      return redirectWithFlash(c, `${profilePath(id)}#erase`, {
        kind: "error",
        text: "Not erased: type the profile id exactly to confirm.",
      });
    try {
      const receipt = await adminApi(c).send<ErasureReceiptView>(
        "DELETE",
        `/v1/admin/profiles/${encodeURIComponent(id)}`,
      );
      return redirectWithFlash(
        c,
        href(
          `/erasures/${encodeURIComponent(receipt.receiptId)}?workspace=${encodeURIComponent(receipt.workspace)}`,
        ),
        { kind: "ok", text: `Profile ${receipt.profileId} erased.` },
      );
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      return redirectWithFlash(c, href("/profiles"), { kind: "error", text: `Not erased: ${error.message}` });
    }
  });
}
