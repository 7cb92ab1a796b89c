import type { SourceRejections } from "../../routes/admin/get-source-rejections";
import type { SourceActivityList } from "../../routes/admin/list-source-activity";
import type { PollJobView } from "../../routes/admin/poll-job-schemas";
import type { SourceSecrets } from "../../routes/admin/secret-schemas";
import type { SourceView } from "../../routes/admin/source-schemas";
import type { CreatedWriteKey, WriteKeyList } from "../../routes/admin/write-key-schemas";
import { type AdminApi, AdminApiError, adminApi } from "../admin-api";
import { Copy } from "../components/copy";
import { ConfirmForm, Form, typedConfirmationMatches } from "../components/forms";
import { JsonBlock } from "../components/json";
import { OpsAssets } from "../components/ops-assets";
import { ProblemBlock } from "../components/problem";
import { type Column, DataTable } from "../components/table";
import { Time } from "../components/time";
import { type ConsoleContext, href } from "../env";
import { redirectWithFlash } from "../flash";
import type { ConsoleApp } from "./page";
import {
  CONSOLE_SOURCE_TYPES,
  type ConsoleSourceType,
  SourceForm,
  type SourceFormValues,
  sourceBody,
  TypePicker,
  WRITE_ONLY_FIELDS,
} from "./sources-form";
import { SftpSummary } from "./sources-sftp";

type Activity = SourceActivityList["data"][number];

function Rejections({ reasons }: { reasons: { reason: string; count: number }[] }) {
  if (reasons.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="plain">
      {reasons.map((r) => (
        <li>
          <code>{r.reason}</code> {r.count.toLocaleString("en")}
        </li>
      ))}
    </ul>
  );
}

function stringFields(body: Record<string, unknown>): SourceFormValues {
  const out: SourceFormValues = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The source's poll job, or null when it has none yet (the API answers 404 until one is made). */
async function pollJobOf(api: AdminApi, sourceId: string): Promise<PollJobView | null> {
  try {
    return await api.get<PollJobView>(`/v1/admin/sources/${encodeURIComponent(sourceId)}/poll-job`);
  } catch (error) {
    if (error instanceof AdminApiError && error.status === 404) return null;
    throw error;
  }
}

function sourcePath(c: ConsoleContext): string {
  return `/v1/admin/sources/${encodeURIComponent(c.req.param("id") ?? "")}`;
}

/**
 * `text` with every write-only value the operator typed (each whole value and each line of it) masked:
 * a validation message that quotes its input must not carry a password back to the page.
 */
function scrubbed(text: string | undefined, secrets: string[]): string | undefined {
  if (text === undefined) return text;
  const parts = secrets
    .flatMap((s) => [s, ...s.split(/\r?\n/).map((l) => l.trim())])
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  return parts.reduce((out, secret) => out.split(secret).join("[not shown]"), text);
}

async function renderNew(
  c: ConsoleContext,
  type: ConsoleSourceType,
  values: SourceFormValues,
  error?: unknown,
  secrets: string[] = [],
) {
  if (error) c.status(error instanceof AdminApiError ? (error.status as 400) : 400);
  return c.render(
    <>
      <OpsAssets />
      <p>
        <a href={href("/sources/new")}>Another type</a>
      </p>
      {error instanceof AdminApiError ? (
        <ProblemBlock
          problem={{
            ...error.problem,
            title: scrubbed(error.problem.title, secrets) ?? "",
            detail: scrubbed(error.problem.detail, secrets),
          }}
        />
      ) : null}
      {error instanceof Error && !(error instanceof AdminApiError) ? (
        <div class="problem" role="alert">
          <p>{scrubbed(error.message, secrets)}</p>
        </div>
      ) : null}
      <SourceForm type={type} values={values} />
    </>,
    { title: `New ${type} source`, nav: "sources" },
  );
}

/**
 * The source pages: the list (type, ingest URL with a copy button, last delivery, rejections per
 * reason over 24 h), create (pick a type, then a form that fits it), one source's page with rotate
 * secret, revoke the previous one, write keys (list, create, revoke) and delete with a typed
 * confirmation. Every action posts to /console and calls the admin API in-process.
 */
export function registerSourcesPage(app: ConsoleApp): void {
  app.get("/sources", async (c) => {
    const api = adminApi(c);
    const [sources, activity] = await Promise.all([
      api.get<{ data: SourceView[] }>("/v1/admin/sources"),
      api.get<SourceActivityList>("/v1/admin/source-activity?hours=24"),
    ]);
    const byId = new Map<string, Activity>(activity.data.map((a) => [a.sourceId, a]));
    const columns: Column<SourceView>[] = [
      { header: "Name", cell: (s) => <a href={href(`/sources/${s.id}`)}>{s.name}</a> },
      { header: "Type", cell: (s) => s.type },
      { header: "Workspace", cell: (s) => s.workspace },
      {
        header: "Ingest URL",
        cell: (s) => <Copy text={s.ingestUrl} label={`Copy the ingest URL of ${s.name}`} />,
      },
      { header: "Last delivery", cell: (s) => <Time value={byId.get(s.id)?.lastDeliveryAt} /> },
      { header: "Rejections, 24 h", cell: (s) => <Rejections reasons={byId.get(s.id)?.rejections ?? []} /> },
    ];
    return c.render(
      <>
        <OpsAssets />
        <p>
          <a class="button" href={href("/sources/new")}>
            New source
          </a>
        </p>
        <DataTable
          caption="Sources, newest first"
          rows={sources.data}
          columns={columns}
          empty="No source yet."
        />
      </>,
      { title: "Sources", nav: "sources" },
    );
  });

  app.get("/sources/new", async (c) => {
    const type = c.req.query("type");
    if (!(CONSOLE_SOURCE_TYPES as readonly string[]).includes(type ?? ""))
      return c.render(
        <>
          <OpsAssets />
          <TypePicker />
        </>,
        { title: "New source", nav: "sources" },
      );
    return renderNew(c, type as ConsoleSourceType, {});
  });

  app.post("/sources", async (c) => {
    const form = stringFields(await c.req.parseBody());
    const type = form.type as ConsoleSourceType;
    if (!(CONSOLE_SOURCE_TYPES as readonly string[]).includes(type))
      return c.redirect(href("/sources/new"), 303);
    const kept = Object.fromEntries(Object.entries(form).filter(([k]) => !WRITE_ONLY_FIELDS.includes(k)));
    const secrets = WRITE_ONLY_FIELDS.map((k) => form[k] ?? "").filter((s) => s !== "");
    let body: Record<string, unknown>;
    try {
      body = sourceBody(form);
    } catch (error) {
      return renderNew(c, type, kept, error, secrets);
    }
    try {
      const source = await adminApi(c).send<SourceView>("POST", "/v1/admin/sources", body);
      return redirectWithFlash(c, href(`/sources/${source.id}`), {
        kind: "ok",
        text: `Source “${source.name}” created. Point its sender at the ingest URL below.`,
      });
    } catch (error) {
      if (error instanceof AdminApiError && error.status < 500)
        return renderNew(c, type, kept, error, secrets);
      throw error;
    }
  });

  app.get("/sources/:id", async (c) => {
    const api = adminApi(c);
    const source = await api.get<SourceView>(sourcePath(c));
    const since = new Date(Date.now() - 24 * 3600_000).toISOString();
    const sftp = source.poll?.kind === "sftp" ? source.poll : null;
    const [rejections, activity, keys, job] = await Promise.all([
      api.get<SourceRejections>(`${sourcePath(c)}/rejections?from=${since}`),
      api.get<SourceActivityList>(`/v1/admin/source-activity?sourceId=${encodeURIComponent(source.id)}`),
      source.type === "app" ? api.get<WriteKeyList>(`${sourcePath(c)}/write-keys`) : Promise.resolve(null),
      sftp ? pollJobOf(api, source.id) : Promise.resolve(null),
    ]);
    const { id, name, type, workspace, ingestUrl, createdAt, updatedAt, ...rest } = source;
    // An SFTP pull has its own section; the JSON shows every other setting.
    const { poll: _poll, ...others } = rest;
    const settings = sftp ? others : rest;
    return c.render(
      <>
        <OpsAssets />
        <dl class="facts">
          <dt>Type</dt>
          <dd>{type}</dd>
          <dt>Workspace</dt>
          <dd>{workspace}</dd>
          <dt>Ingest URL</dt>
          <dd>
            <Copy text={ingestUrl} label="Copy the ingest URL" />
          </dd>
          <dt>Source id</dt>
          <dd>
            <code>{id}</code>
          </dd>
          <dt>Last delivery</dt>
          <dd>
            <Time value={activity.data[0]?.lastDeliveryAt} />{" "}
            <a href={href(`/deliveries?sourceId=${id}`)}>its deliveries</a>
          </dd>
          <dt>Created</dt>
          <dd>
            <Time value={createdAt} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time value={updatedAt} />
          </dd>
        </dl>

        <h2>Rejections in the last 24 hours</h2>
        <DataTable
          caption="Rejected deliveries per reason, last 24 h"
          rows={rejections.reasons}
          empty="No rejection."
          columns={[
            {
              header: "Reason",
              cell: (r) => (
                <a
                  href={href(
                    `/deliveries?sourceId=${id}&disposition=${encodeURIComponent(`rejected:${r.reason}`)}`,
                  )}
                >
                  <code>{r.reason}</code>
                </a>
              ),
            },
            { header: "Count", cell: (r) => r.count.toLocaleString("en"), numeric: true },
          ]}
        />

        {sftp ? <SftpSummary poll={sftp} job={job} /> : null}

        <h2>Settings</h2>
        <JsonBlock
          value={settings}
          label="Mapping, idempotency key, poll and edge settings (never a secret)"
        />

        {type !== "app" ? (
          <>
            <h2>Secret</h2>
            <Form action={href(`/sources/${id}/rotate`)} label="Rotate the secret">
              <div>
                <label for="new-secret">New secret</label>
                <input id="new-secret" name="secret" type="password" autocomplete="off" required />
              </div>
              <div>
                <label for="ttl">The previous secret keeps working for</label>
                <select id="ttl" name="previousSecretTtlSeconds">
                  <option value="3600">1 hour</option>
                  <option value="86400" selected>
                    1 day
                  </option>
                  <option value="604800">7 days</option>
                  <option value="0">No time: end it now</option>
                </select>
              </div>
              <div>
                <button type="submit">Rotate secret</button>
              </div>
            </Form>
            <Form
              action={href(`/sources/${id}/revoke-previous`)}
              layout="inline"
              label="Revoke the previous secret"
            >
              <button type="submit" class="secondary">
                Revoke the previous secret now
              </button>
            </Form>
          </>
        ) : null}

        {keys ? (
          <>
            <h2>Write keys</h2>
            <DataTable
              caption="Write keys of this source"
              rows={keys.data}
              empty="No write key yet."
              columns={[
                { header: "Name", cell: (k) => k.name },
                { header: "Key", cell: (k) => <code>{k.prefix}…</code> },
                { header: "Created", cell: (k) => <Time value={k.createdAt} /> },
                {
                  header: "Revoked",
                  cell: (k) =>
                    k.revokedAt ? (
                      <Time value={k.revokedAt} />
                    ) : (
                      <Form
                        action={href(`/sources/${id}/write-keys/${k.id}/revoke`)}
                        layout="inline"
                        label={`Revoke ${k.name}`}
                      >
                        <button type="submit" class="secondary">
                          Revoke
                        </button>
                      </Form>
                    ),
                },
              ]}
            />
            <Form action={href(`/sources/${id}/write-keys`)} label="Create a write key">
              <div>
                <label for="key-name">New write key's name</label>
                <input id="key-name" name="name" required maxlength={128} placeholder="e.g. ios app" />
              </div>
              <div>
                <button type="submit">Create write key</button>
              </div>
            </Form>
          </>
        ) : null}

        <h2>Delete</h2>
        <ConfirmForm action={href(`/sources/${id}/delete`)} expected={name} submitLabel="Delete source">
          <p class="hint">
            Its ingest URL stops accepting deliveries at once; stored events and profiles stay.
          </p>
        </ConfirmForm>
      </>,
      { title: name, nav: "sources" },
    );
  });

  app.post("/sources/:id/rotate", async (c) => {
    const form = await c.req.parseBody();
    const ttl = Number(form.previousSecretTtlSeconds ?? 86400);
    const result = await adminApi(c).send<SourceSecrets>("POST", `${sourcePath(c)}/secret-rotations`, {
      secret: typeof form.secret === "string" ? form.secret : "",
      previousSecretTtlSeconds: Number.isInteger(ttl) ? ttl : 86400,
    });
    const previous = result.secrets.find((s) => s.expiresAt !== null);
    return redirectWithFlash(c, href(`/sources/${c.req.param("id")}`), {
      kind: "ok",
      text: `Secret rotated.${previous ? ` The previous one works until ${previous.expiresAt}.` : ""}${
        result.warnings.length ? ` ${result.warnings.join(" ")}` : ""
      }`,
    });
  });

  app.post("/sources/:id/revoke-previous", async (c) => {
    await adminApi(c).send("DELETE", `${sourcePath(c)}/secret-rotations/previous`);
    return redirectWithFlash(c, href(`/sources/${c.req.param("id")}`), {
      kind: "ok",
      text: "The previous secret no longer works.",
    });
  });

  // Shown once, so answered with a page rather than a redirect: the key never goes into a cookie or URL.
  app.post("/sources/:id/write-keys", async (c) => {
    const form = await c.req.parseBody();
    const key = await adminApi(c).send<CreatedWriteKey>("POST", `${sourcePath(c)}/write-keys`, {
      name: typeof form.name === "string" && form.name.trim() ? form.name.trim() : "default",
    });
    return c.render(
      <>
        <div class="ops-secret" role="status">
          <p>
            <strong>Copy this write key now: it is not shown again.</strong>
          </p>
          <Copy text={key.writeKey} label="Copy the write key" />
        </div>
        <p>
          <a href={href(`/sources/${c.req.param("id")}`)}>Back to the source</a>
        </p>
      </>,
      { title: `Write key “${key.name}”`, nav: "sources" },
    );
  });

  app.post("/sources/:id/write-keys/:keyId/revoke", async (c) => {
    await adminApi(c).send(
      "DELETE",
      `${sourcePath(c)}/write-keys/${encodeURIComponent(c.req.param("keyId"))}`,
    );
    return redirectWithFlash(c, href(`/sources/${c.req.param("id")}`), {
      kind: "ok",
      text: "Write key revoked.",
    });
  });

  app.post("/sources/:id/delete", async (c) => {
    const api = adminApi(c);
    const source = await api.get<SourceView>(sourcePath(c));
    if (!typedConfirmationMatches(await c.req.parseBody(), source.name))
      return redirectWithFlash(c, href(`/sources/${source.id}`), {
        kind: "error",
        text: "Not deleted: the confirmation did not match the source's name.",
      });
    await api.send("DELETE", sourcePath(c));
    return redirectWithFlash(c, href("/sources"), { kind: "ok", text: `Source “${source.name}” deleted.` });
  });
}
