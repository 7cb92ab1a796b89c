import type { Problem } from "../../lib/errors";
import type {
  IdentityFlagList,
  IdentityRulesView,
  QuarantineList,
} from "../../routes/admin/identity-schemas";
import { AdminApiError, adminApi } from "../admin-api";
import { Form, WorkspacePicker } from "../components/forms";
import { JsonBlock } from "../components/json";
import { ProblemBlock } from "../components/problem";
import { DataTable, listQuery } from "../components/table";
import { Time } from "../components/time";
import { type ConsoleContext, href } from "../env";
import { redirectWithFlash } from "../flash";
import type { ConsoleApp } from "./page";
import { workspaceOf } from "./profiles";

/** Flags per page. */
const FLAGS_PAGE = 50;
const FLAG_KINDS = ["identifier_dropped", "merge_refused", "quarantined"] as const;

type Flag = IdentityFlagList["data"][number];
type Quarantined = QuarantineList["data"][number];

function identityPath(workspace: string): string {
  return href(`/identity?workspace=${encodeURIComponent(workspace)}`);
}

/**
 * The Identity page and its actions:
 * - GET /console/identity?workspace=: the workspace's rules (types with priority, limit and
 *   normalization; caps; blocklist) with an editor, quarantined values with "Release", and the
 *   decisions flagged for review (by kind, paged).
 * - POST /console/identity/rules: saves the edited rules (JSON) through PUT …/identity-rules; the API's
 *   validation errors are shown beside the editor with the text as typed.
 * - POST /console/identity/quarantine/release: releases a value (DELETE …/quarantine).
 */
export function registerIdentityPage(app: ConsoleApp): void {
  app.get("/identity", (c) => renderIdentity(c));

  app.post("/identity/rules", async (c) => {
    const workspace = workspaceOf(c);
    const body = await c.req.parseBody();
    const text = typeof body.rules === "string" ? body.rules : "";
    let rules: unknown;
    try {
      rules = JSON.parse(text);
    } catch (error) {
      return renderIdentity(c, {
        text,
        problem: {
          type: "about:blank",
          title: "The rules are not valid JSON",
          status: 400,
          detail: (error as Error).message,
          code: "validation_failed",
        },
      });
    }
    try {
      const saved = await adminApi(c).send<IdentityRulesView>(
        "PUT",
        `/v1/admin/workspaces/${workspace}/identity-rules`,
        rules,
      );
      return redirectWithFlash(c, identityPath(workspace), {
        kind: "ok",
        text: `Rules saved as version ${saved.version}. ${saved.appliesTo}`,
      });
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      return renderIdentity(c, { text, problem: error.problem });
    }
  });

  app.post("/identity/quarantine/release", async (c) => {
    const workspace = workspaceOf(c);
    const body = await c.req.parseBody();
    const identifier = `${body.type}:${body.value}`;
    try {
      await adminApi(c).send(
        "DELETE",
        `/v1/admin/workspaces/${workspace}/quarantine?${new URLSearchParams({ identifier })}`,
      );
      return redirectWithFlash(c, identityPath(workspace), { kind: "ok", text: `Released ${identifier}.` });
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      return redirectWithFlash(c, identityPath(workspace), {
        kind: "error",
        text: `Not released: ${error.message}`,
      });
    }
  });
}

async function renderIdentity(c: ConsoleContext, edit?: { text: string; problem: Problem }) {
  const api = adminApi(c);
  const workspace = workspaceOf(c);
  const kind = FLAG_KINDS.find((k) => k === c.req.query("kind"));
  const [view, quarantine, flags] = await Promise.all([
    api.get<IdentityRulesView>(`/v1/admin/workspaces/${workspace}/identity-rules`),
    api.get<QuarantineList>(`/v1/admin/workspaces/${workspace}/quarantine?limit=100`),
    api.get<IdentityFlagList>(
      `/v1/admin/workspaces/${workspace}/identity-flags?${listQuery(c, ["kind", "cursor"], FLAGS_PAGE)}`,
    ),
  ]);
  const { rules } = view;
  const action = (path: string) => href(`${path}?workspace=${encodeURIComponent(workspace)}`);
  return c.render(
    <>
      <WorkspacePicker action={href("/identity")} workspace={workspace} />

      <h2>Rules</h2>
      <p>
        Version {view.version}
        {view.updatedAt ? (
          <>
            , saved <Time value={view.updatedAt} />
          </>
        ) : (
          " (the defaults)"
        )}
        . <span class="hint">{view.appliesTo}</span>
      </p>
      <DataTable<(typeof rules.identifierTypes)[number]>
        caption="Identifier types, strongest first"
        rows={[...rules.identifierTypes].sort((a, b) => a.priority - b.priority)}
        columns={[
          { header: "Type", cell: (t) => <code>{t.type}</code> },
          { header: "Priority", cell: (t) => t.priority, numeric: true },
          {
            header: "Limit per profile",
            cell: (t) =>
              t.limit
                ? `${t.limit.count}${t.limit.windowSeconds ? ` per ${Math.round(t.limit.windowSeconds / 86400)} days` : ""}`
                : "none",
          },
          {
            header: "Normalization",
            cell: (t) =>
              [
                t.normalization ?? "by name",
                t.stripPlusTag ? "strips +tags" : "",
                t.foldGmailDots ? "folds Gmail dots" : "",
              ]
                .filter(Boolean)
                .join(", "),
          },
        ]}
      />
      <dl class="facts">
        <dt>Quarantine after</dt>
        <dd>{rules.quarantineThreshold} linked profiles</dd>
        <dt>Identifiers per profile</dt>
        <dd>at most {rules.maxIdentifiersPerProfile}</dd>
        <dt>Merges per profile</dt>
        <dd>at most {rules.maxMergesPerProfile}</dd>
        <dt>Blocked values</dt>
        <dd>
          {rules.blockedValues.length} of yours, {view.builtInBlocklist.values.length} built in
        </dd>
        <dt>Blocked patterns</dt>
        <dd>
          {rules.blockedPatterns.map((p) => `${p.type ?? "any"}: ${p.pattern}`).join("; ") || "none of yours"}
          , {view.builtInBlocklist.patterns.length} built in
        </dd>
      </dl>
      <h3 id="edit-rules">Edit the rules</h3>
      {edit ? <ProblemBlock problem={edit.problem} /> : null}
      <Form action={action("/identity/rules")} label="Edit identity rules">
        <div>
          <label for="rules">Rules (JSON; omitted fields take their defaults)</label>
          <textarea id="rules" name="rules" rows={18} spellcheck={false} aria-describedby="rules-hint">
            {edit ? edit.text : JSON.stringify(rules, null, 2)}
          </textarea>
          <p class="hint" id="rules-hint">
            Validated by the admin API: types are lower-case names with a priority (1 is the strongest),
            patterns are RE2, caps stay within the platform's. A saved change applies to events processed
            after it.
          </p>
        </div>
        <div>
          <button type="submit">Save rules</button>
        </div>
      </Form>

      <h2>Quarantined values</h2>
      <DataTable<Quarantined>
        caption="Values that linked too many profiles: they match and merge nothing until released"
        rows={quarantine.data}
        empty="No quarantined values."
        columns={[
          { header: "Identifier", cell: (q) => <code>{`${q.type}:${q.value}`}</code> },
          { header: "Linked profiles", cell: (q) => q.linkedProfiles, numeric: true },
          { header: "Event", cell: (q) => <code>{q.eventId}</code> },
          { header: "Since", cell: (q) => <Time value={q.createdAt} /> },
          {
            header: "Action",
            cell: (q) => (
              <Form
                action={action("/identity/quarantine/release")}
                layout="inline"
                label={`Release ${q.type}:${q.value}`}
              >
                <input type="hidden" name="type" value={q.type} />
                <input type="hidden" name="value" value={q.value} />
                <button type="submit" class="secondary">
                  Release
                </button>
              </Form>
            ),
          },
        ]}
      />
      {quarantine.data.length === 100 ? <p class="hint">Showing the newest 100.</p> : null}

      <h2 id="flags">Flags for review</h2>
      <Form action={href("/identity")} method="get" layout="inline" label="Filter flags">
        <input type="hidden" name="workspace" value={workspace} />
        <label for="kind">Kind</label>
        <select id="kind" name="kind">
          <option value="">all</option>
          {FLAG_KINDS.map((k) => (
            <option value={k} selected={k === kind}>
              {k}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          Filter
        </button>
      </Form>
      <DataTable<Flag>
        caption="Identity decisions flagged for review, newest first"
        rows={flags.data}
        nextCursor={flags.nextCursor}
        empty="Nothing to review."
        columns={[
          { header: "When", cell: (f) => <Time value={f.createdAt} /> },
          { header: "Kind", cell: (f) => f.kind },
          {
            header: "Identifier",
            cell: (f) => (f.identifier ? <code>{`${f.identifier.type}:${f.identifier.value}`}</code> : "—"),
          },
          {
            header: "Profiles",
            cell: (f) => (
              <>
                {f.profileIds.map((id, i) => (
                  <>
                    {i > 0 ? ", " : ""}
                    <a href={href(`/profiles/${encodeURIComponent(id)}`)}>{id}</a>
                  </>
                ))}
              </>
            ),
          },
          { header: "Rule", cell: (f) => <code>{f.rule}</code> },
          { header: "Detail", cell: (f) => f.detail },
        ]}
      />
      <details>
        <summary>Built-in blocklist</summary>
        <JsonBlock value={view.builtInBlocklist} label="Values and patterns every workspace blocks" />
      </details>
    </>,
    { title: "Identity", nav: "identity" },
  );
}
