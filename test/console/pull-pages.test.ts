import { describe, expect, it } from "vitest";
import { API, createPullSource } from "../pull/helpers";
import { admin, call, eventually } from "../support/gateway";
import { csrfOf, ORIGIN, page, signIn } from "./support";

function post(path: string, cookie: string, body: FormData | URLSearchParams): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { cookie, origin: ORIGIN, "sec-fetch-site": "same-origin" },
    body,
    redirect: "manual",
  });
}

describe("console Pull, Enrichment and Alerts pages (workerd)", () => {
  it("Pull: lists poll jobs with their actions, uploads a CSV through the form, and shows the import with its rejected rows", async () => {
    const { cookie } = await signIn();
    const polled = await createPullSource({
      name: "console poll",
      mapping: { identifiers: { email: "$.email" } },
      poll: { kind: "api", url: `${API}/console-poll`, intervalSeconds: 600 },
    });
    await admin(`/v1/admin/sources/${polled.id}/poll-job`);
    const csv = await createPullSource({
      name: "console csv",
      type: "csv-file",
      mapping: { identifiers: { email: "$.email" } },
    });
    const html = await (await page("/console/pull", cookie)).text();
    expect(html).toContain("console poll");
    expect(html).toContain(`/console/pull/jobs/${polled.id}/pause`);
    expect(html).toContain(`<option value="${csv.id}">`);
    const csrf = csrfOf(html);

    const paused = await post(
      `/console/pull/jobs/${polled.id}/pause`,
      cookie,
      new URLSearchParams({ _csrf: csrf }),
    );
    expect(paused.status).toBe(303);
    expect(
      ((await (await admin(`/v1/admin/sources/${polled.id}/poll-job`)).json()) as { paused: boolean }).paused,
    ).toBe(true);

    const form = new FormData();
    form.set("_csrf", csrf);
    form.set("sourceId", csv.id);
    form.set(
      "file",
      new File(["email,name\na@example.com,A\n,no email\n"], "people.csv", { type: "text/csv" }),
    );
    const uploaded = await post("/console/pull/upload", cookie, form);
    expect(uploaded.status).toBe(303);
    const location = uploaded.headers.get("location")!;
    expect(location).toMatch(/^\/console\/pull\/imports\/imp_/);

    const done = await eventually(async () => {
      const text = await (await page(location, cookie)).text();
      return text.includes('data-testid="import-status">completed') ? text : undefined;
    });
    expect(done).toContain('data-testid="rows-accepted">1<');
    expect(done).toContain('data-testid="rows-rejected">1<');
    expect(done).toMatch(/<td class="num">2<\/td>/);
    expect(done).not.toContain("data-refresh");

    const noSession = await call("/console/pull/upload", { method: "POST", body: form, redirect: "manual" });
    expect(noSession.status).toBe(401);
  });

  it("Enrichment and Alerts render; a rule is added and deleted through the Alerts forms", async () => {
    const { cookie } = await signIn();
    const workspace = `console-alerts-${crypto.randomUUID().slice(0, 6)}`;
    expect((await page(`/console/enrichment?workspace=${workspace}`, cookie)).status).toBe(200);
    const html = await (await page(`/console/alerts?workspace=${workspace}`, cookie)).text();
    expect(html).toContain("Dead letters waiting");
    const csrf = csrfOf(html);
    const rules = async () =>
      (
        (await (await admin(`/v1/admin/alerts/rules?workspace=${workspace}`)).json()) as {
          rules: { deadLetters: { enabled: boolean; above: number } };
        }
      ).rules;

    const deleted = await post(
      `/console/alerts/rules/deadLetters/delete?workspace=${workspace}`,
      cookie,
      new URLSearchParams({ _csrf: csrf }),
    );
    expect(deleted.status).toBe(303);
    expect((await rules()).deadLetters.enabled).toBe(false);
    const added = await post(
      `/console/alerts/rules?workspace=${workspace}`,
      cookie,
      new URLSearchParams({ _csrf: csrf, rule: "deadLetters", threshold: "7" }),
    );
    expect(added.status).toBe(303);
    expect(await rules()).toMatchObject({ deadLetters: { enabled: true, above: 7 } });
  });
});
