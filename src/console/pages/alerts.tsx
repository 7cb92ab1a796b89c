import type { AlertRules } from "../../alerts/rules";
import type { AlertList, AlertRulesView } from "../../routes/admin/alerts/schemas";
import type { SourceView } from "../../routes/admin/source-schemas";
import { AdminApiError, adminApi } from "../admin-api";
import { Form, WorkspacePicker } from "../components/forms";
import { DataTable, listQuery } from "../components/table";
import { Time } from "../components/time";
import { type ConsoleContext, href } from "../env";
import { redirectWithFlash } from "../flash";
import type { ConsoleApp } from "./page";

type RuleKey = Exclude<keyof AlertRules, "cooldownMinutes">;

/**
 * The rules an operator can add (enable, with its threshold) or delete (disable): each rule's label
 * and the one setting its threshold field sets (none for the breaker rule).
 */
const RULES: Record<RuleKey, { label: string; setting?: string; unit?: string }> = {
  rejectionRate: {
    label: "Rejection rate of a source",
    setting: "thresholdPercent",
    unit: "% of deliveries",
  },
  sourceSilence: { label: "Source silent", setting: "minSilenceMinutes", unit: "minutes at least" },
  deadLetters: { label: "Dead letters waiting", setting: "above", unit: "dead letters (above)" },
  queueBacklog: { label: "Queue backlog age", setting: "seconds", unit: "seconds" },
  pollFailures: { label: "Poll job failing", setting: "consecutiveRuns", unit: "failed runs in a row" },
  breakerOpen: { label: "Extension breaker open" },
  projectionLag: { label: "Projection lag", setting: "seconds", unit: "seconds" },
};

function workspaceOf(c: ConsoleContext): string {
  const value = c.req.query("workspace") ?? "";
  return /^[a-z0-9][a-z0-9_-]{0,62}$/.test(value) ? value : "default";
}

/** The rule's settings other than `enabled`, as "name value" pairs. */
function settingsText(rule: Record<string, unknown>): string {
  return Object.entries(rule)
    .filter(([k]) => k !== "enabled")
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

/**
 * GET /console/alerts: a workspace's alert rules (add = enable with a threshold, delete = disable;
 * per-source silence overrides added and removed), what is firing now, and the recent alerts (firing
 * and resolved transitions) with the notifications sent for each.
 */
export function registerAlertsPage(app: ConsoleApp): void {
  app.get("/alerts", async (c) => {
    const workspace = workspaceOf(c);
    const api = adminApi(c);
    const [rules, alerts, sources] = await Promise.all([
      api.get<AlertRulesView>(`/v1/admin/alerts/rules?workspace=${workspace}`),
      api.get<AlertList>(`/v1/admin/alerts?workspace=${workspace}&${listQuery(c, ["cursor"], 25)}`),
      api.get<{ data: SourceView[] }>("/v1/admin/sources"),
    ]);
    const keys = Object.keys(RULES) as RuleKey[];
    const overrides = Object.entries(rules.rules.sourceSilence.silenceMinutes);
    const names = new Map(sources.data.map((s) => [s.id, s.name]));
    const action = (path: string) => href(`/alerts/${path}?workspace=${workspace}`);
    return c.render(
      <>
        <WorkspacePicker action={href("/alerts")} workspace={workspace} />

        <section aria-labelledby="firing">
          <h2 id="firing">Firing now</h2>
          <DataTable
            caption="Alerts firing now"
            rows={alerts.firing}
            empty="Nothing is firing."
            columns={[
              { header: "Rule", cell: (f) => f.rule },
              { header: "Subject", cell: (f) => names.get(f.subject) ?? f.subject },
              { header: "Since", cell: (f) => <Time value={f.since} /> },
              { header: "Value", numeric: true, cell: (f) => f.value ?? "—" },
            ]}
          />
        </section>

        <section aria-labelledby="rules">
          <h2 id="rules">Rules</h2>
          <p class="hint">
            A firing is announced again no sooner than {rules.rules.cooldownMinutes} minutes after the last
            one. Changes apply from the next cron tick (every minute).
          </p>
          <DataTable
            caption="Alert rules"
            rows={keys.filter((k) => rules.rules[k].enabled)}
            empty="Every rule is deleted: nothing will alert."
            columns={[
              { header: "Rule", cell: (k) => RULES[k].label },
              { header: "Settings", cell: (k) => settingsText(rules.rules[k] as Record<string, unknown>) },
              {
                header: "Delete",
                cell: (k) => (
                  <Form
                    action={action(`rules/${k}/delete`)}
                    layout="inline"
                    label={`Delete rule ${RULES[k].label}`}
                  >
                    <button type="submit" class="danger">
                      Delete
                    </button>
                  </Form>
                ),
              },
            ]}
          />
          <h3>Add a rule</h3>
          <Form action={action("rules")} label="Add a rule">
            <div>
              <label for="rule-kind">Rule</label>
              <select id="rule-kind" name="rule" required>
                {keys.map((k) => (
                  <option
                    value={k}
                  >{`${RULES[k].label}${RULES[k].unit ? ` (threshold: ${RULES[k].unit})` : ""}`}</option>
                ))}
              </select>
            </div>
            <div>
              <label for="rule-threshold">Threshold</label>
              <input id="rule-threshold" name="threshold" type="number" min="0" step="any" />
              <p class="hint">Left empty, the rule's current (or default) threshold is kept.</p>
            </div>
            <div>
              <button type="submit">Add rule</button>
            </div>
          </Form>

          <h3>Source silence per source</h3>
          <DataTable
            caption="Silence thresholds set per source"
            rows={overrides}
            empty="None: each source's usual gap between deliveries is learned."
            columns={[
              { header: "Source", cell: ([id]) => names.get(id) ?? id },
              { header: "Silent for", numeric: true, cell: ([, minutes]) => `${minutes} min` },
              {
                header: "Delete",
                cell: ([id]) => (
                  <Form
                    action={action(`silence/${encodeURIComponent(id)}/delete`)}
                    layout="inline"
                    label={`Delete silence rule of ${names.get(id) ?? id}`}
                  >
                    <button type="submit" class="danger">
                      Delete
                    </button>
                  </Form>
                ),
              },
            ]}
          />
          <Form action={action("silence")} label="Add a silence rule for a source">
            <div>
              <label for="silence-source">Source</label>
              <select id="silence-source" name="sourceId" required>
                {sources.data
                  .filter((s) => s.workspace === workspace)
                  .map((s) => (
                    <option value={s.id}>{s.name}</option>
                  ))}
              </select>
            </div>
            <div>
              <label for="silence-minutes">Alert when silent for (minutes)</label>
              <input id="silence-minutes" name="minutes" type="number" min="1" max="43200" required />
            </div>
            <div>
              <button type="submit">Add silence rule</button>
            </div>
          </Form>
        </section>

        <section aria-labelledby="recent">
          <h2 id="recent">Recent alerts</h2>
          <DataTable
            caption="Alerts announced, newest first"
            rows={alerts.data}
            empty="No alert yet."
            nextCursor={alerts.nextCursor}
            columns={[
              { header: "Time", cell: (a) => <Time value={a.createdAt} /> },
              { header: "Transition", cell: (a) => <strong>{a.kind}</strong> },
              { header: "Rule", cell: (a) => a.rule },
              { header: "Subject", cell: (a) => names.get(a.subject) ?? a.subject },
              { header: "Message", cell: (a) => a.summary },
              {
                header: "Notifications",
                cell: (a) =>
                  a.notifications.length === 0 ? (
                    <span class="muted">no channel</span>
                  ) : (
                    a.notifications.map((n) => (
                      <div>
                        {`${n.channel}: ${n.status}`}
                        {n.lastError ? <span class="hint">{` (${n.lastError})`}</span> : null}
                      </div>
                    ))
                  ),
              },
            ]}
          />
        </section>
      </>,
      { title: "Alerts", nav: "alerts" },
    );
  });

  app.post("/alerts/rules", async (c) => {
    const body = await c.req.parseBody();
    const rule = String(body.rule ?? "") as RuleKey;
    if (!(rule in RULES)) return flashBack(c, "error", "Choose a rule");
    const threshold = String(body.threshold ?? "").trim();
    if (threshold !== "" && !Number.isFinite(Number(threshold)))
      return flashBack(c, "error", "The threshold is a number");
    return changeRules(c, `Rule added: ${RULES[rule].label}`, (rules) => {
      const setting = RULES[rule].setting;
      const next: Record<string, unknown> = { ...rules[rule], enabled: true };
      if (setting && threshold !== "") next[setting] = Number(threshold);
      return { ...rules, [rule]: next };
    });
  });

  app.post("/alerts/rules/:rule/delete", async (c) => {
    const rule = c.req.param("rule") as RuleKey;
    if (!(rule in RULES)) return c.notFound();
    return changeRules(c, `Rule deleted: ${RULES[rule].label}`, (rules) => ({
      ...rules,
      [rule]: { ...rules[rule], enabled: false },
    }));
  });

  app.post("/alerts/silence", async (c) => {
    const body = await c.req.parseBody();
    const sourceId = String(body.sourceId ?? "");
    const minutes = Number(body.minutes);
    if (!sourceId || !Number.isInteger(minutes))
      return flashBack(c, "error", "Choose a source and whole minutes");
    return changeRules(c, "Silence rule added", (rules) => ({
      ...rules,
      sourceSilence: {
        ...rules.sourceSilence,
        silenceMinutes: { ...rules.sourceSilence.silenceMinutes, [sourceId]: minutes },
      },
    }));
  });

  app.post("/alerts/silence/:sourceId/delete", async (c) => {
    const sourceId = c.req.param("sourceId");
    return changeRules(c, "Silence rule deleted", (rules) => {
      const { [sourceId]: _gone, ...rest } = rules.sourceSilence.silenceMinutes;
      return { ...rules, sourceSilence: { ...rules.sourceSilence, silenceMinutes: rest } };
    });
  });
}

function flashBack(c: ConsoleContext, kind: "ok" | "error", text: string): Promise<Response> {
  return redirectWithFlash(c, href(`/alerts?workspace=${workspaceOf(c)}`), { kind, text });
}

/**
 * Reads the workspace's rules, applies `change` and saves them (the admin API replaces the whole set
 * and validates it). Two operators saving at the same moment: the later save wins.
 */
async function changeRules(
  c: ConsoleContext,
  done: string,
  change: (rules: AlertRules) => AlertRules,
): Promise<Response> {
  const workspace = workspaceOf(c);
  const api = adminApi(c);
  try {
    const current = await api.get<AlertRulesView>(`/v1/admin/alerts/rules?workspace=${workspace}`);
    await api.send("PUT", `/v1/admin/alerts/rules?workspace=${workspace}`, change(current.rules));
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    return flashBack(c, "error", error.message);
  }
  return flashBack(c, "ok", done);
}
