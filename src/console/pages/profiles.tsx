import type { IdentityRulesView } from "../../routes/admin/identity-schemas";
import type { ProfileSearchResult } from "../../routes/admin/search-profiles";
import { AdminApiError, adminApi } from "../admin-api";
import { Form } from "../components/forms";
import { ProblemBlock } from "../components/problem";
import { DataTable, listQuery } from "../components/table";
import { Time } from "../components/time";
import { href } from "../env";
import type { ConsoleApp } from "./page";

/** Results per page of the profile search. */
const PAGE_SIZE = 25;

/** The workspace a page works in: `?workspace=`, else "default". */
export function workspaceOf(c: { req: { query(name: string): string | undefined } }): string {
  const ws = c.req.query("workspace")?.trim();
  return ws && /^[a-z0-9][a-z0-9_-]{0,62}$/.test(ws) ? ws : "default";
}

type Match = ProfileSearchResult["data"][number];

/**
 * GET /console/profiles: find profiles by any identifier (a type and a value, or a value of any
 * type; exact as ingest normalizes it, or by prefix), or browse the newest. Each result links to the
 * profile page. Data: GET /v1/admin/workspaces/{workspace}/profiles (keyset-paged).
 */
export function registerProfilesPage(app: ConsoleApp): void {
  app.get("/profiles", async (c) => {
    const api = adminApi(c);
    const workspace = workspaceOf(c);
    const value = c.req.query("value") ?? "";
    const [result, rules] = await Promise.all([
      api
        .get<ProfileSearchResult>(
          `/v1/admin/workspaces/${workspace}/profiles?${listQuery(c, ["type", "value", "match", "region", "cursor"], PAGE_SIZE)}`,
        )
        // A search the API refuses (a malformed type, a stale cursor) is shown beside the form.
        .catch((error: unknown) => {
          if (error instanceof AdminApiError) return error.problem;
          throw error;
        }),
      api.get<IdentityRulesView>(`/v1/admin/workspaces/${workspace}/identity-rules`),
    ]);
    const problem = "code" in result ? result : null;
    const type = c.req.query("type") ?? "";
    const match = c.req.query("match") === "prefix" ? "prefix" : "exact";
    return c.render(
      <>
        <Form action={href("/profiles")} method="get" label="Find profiles">
          <div>
            <label for="workspace">Workspace</label>
            <input id="workspace" name="workspace" value={workspace} autocomplete="off" />
          </div>
          <div>
            <label for="type">Identifier type</label>
            <input
              id="type"
              name="type"
              list="identifier-types"
              value={type}
              placeholder="any type"
              autocomplete="off"
            />
            <datalist id="identifier-types">
              {rules.rules.identifierTypes.map((t) => (
                <option value={t.type} />
              ))}
            </datalist>
          </div>
          <div>
            <label for="value">Identifier value</label>
            <input
              id="value"
              name="value"
              value={value}
              placeholder="jane@example.com, +44…, crm-42"
              autocomplete="off"
            />
            <p class="hint">
              Written as you like: it is normalized as on ingest (email case, phones to E.164).
            </p>
          </div>
          <div>
            <label for="match">Match</label>
            <select id="match" name="match">
              <option value="exact" selected={match === "exact"}>
                exact value
              </option>
              <option value="prefix" selected={match === "prefix"}>
                starts with
              </option>
            </select>
          </div>
          <div>
            <button type="submit">Search</button>
          </div>
        </Form>
        <h2>{value ? `Profiles matching “${value}”` : "Newest profiles"}</h2>
        {problem ? <ProblemBlock problem={problem} /> : null}
        <DataTable<Match>
          caption={value ? "Search results: one row per matching identifier" : "Live profiles, newest first"}
          rows={"code" in result ? [] : result.data}
          nextCursor={"code" in result ? null : result.nextCursor}
          empty={value ? "No profile has this identifier." : "No profiles in this workspace yet."}
          columns={[
            {
              header: "Profile",
              cell: (m) => <a href={href(`/profiles/${encodeURIComponent(m.profile.id)}`)}>{m.profile.id}</a>,
            },
            ...(value
              ? [
                  {
                    header: "Matched",
                    cell: (m: Match) => <code>{`${m.matched?.type}:${m.matched?.value}`}</code>,
                  },
                ]
              : []),
            {
              header: "Identifiers",
              cell: (m) => (
                <>
                  {m.profile.identifiers.map((i) => `${i.type}:${i.value}`).join(", ")}
                  {m.profile.identifierCount > m.profile.identifiers.length
                    ? ` and ${m.profile.identifierCount - m.profile.identifiers.length} more`
                    : ""}
                </>
              ),
            },
            { header: "Created", cell: (m) => <Time value={m.profile.createdAt} /> },
            { header: "Updated", cell: (m) => <Time value={m.profile.updatedAt} /> },
          ]}
        />
      </>,
      { title: "Profiles", nav: "profiles" },
    );
  });
}
