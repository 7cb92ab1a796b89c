import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recordDeadLetter } from "../../src/deliveries/dead-letters";
import { mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { envelopeFor } from "../pipeline/harness";
import { admin, call, deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";
import { csrfOf, page, postForm, signIn } from "./support";

/** POSTs a console form with the page's CSRF token. */
const post = (path: string, cookie: string, csrf: string, fields: Record<string, string>) =>
  postForm(path, cookie, { _csrf: csrf, ...fields });

async function html(path: string, cookie: string): Promise<string> {
  const response = await page(path, cookie);
  expect(response.status, path).toBe(200);
  return response.text();
}

describe("console pages: overview, sources, deliveries, dead letters", () => {
  it("creates a source from the type's form, shows it in the list with its ingest URL, and deletes it only with its name typed", async () => {
    const { cookie } = await signIn();
    const picker = await html("/console/sources/new", cookie);
    expect(picker).toContain('name="type"');
    const form = await html("/console/sources/new?type=standard-webhooks", cookie);
    expect(form).toContain('name="secret"');
    expect(form).toContain('name="identifiers"');
    expect(form).not.toContain('name="pollUrl"');
    expect(await html("/console/sources/new?type=app", cookie)).not.toContain('name="secret"');
    expect(await html("/console/sources/new?type=rest-poll", cookie)).toContain('name="pollUrl"');

    const name = `Console ${crypto.randomUUID().slice(0, 6)}`;
    const created = await post("/console/sources", cookie, csrfOf(form), {
      type: "standard-webhooks",
      name,
      workspace: "default",
      secret: WHSEC,
      eventType: "$.type",
      identifiers: "email = $.email",
      traits: "plan = $.plan",
      idempotencyKey: "header:webhook-id",
    });
    expect(created.status).toBe(303);
    const location = created.headers.get("location")!;
    const sourceId = /\/console\/sources\/(src_\w+)$/.exec(location)![1]!;
    const source = (await (await admin(`/v1/admin/sources/${sourceId}`)).json()) as Record<string, unknown>;
    expect(source).toMatchObject({
      name,
      mapping: { eventType: "$.type", identifiers: { email: "$.email" }, traits: { plan: "$.plan" } },
      idempotencyKey: { parts: [{ header: "webhook-id" }] },
    });
    const detail = await html(location, cookie);
    expect(detail).toContain(`/v1/sources/${sourceId}/webhooks`);
    expect(detail).not.toContain(WHSEC);
    expect(await html("/console/sources", cookie)).toContain(name);

    // A bad setting comes back beside the form, with what was typed (never the secret).
    const bad = await post("/console/sources", cookie, csrfOf(form), {
      type: "standard-webhooks",
      name: "bad",
      secret: WHSEC,
      identifiers: "no equals sign",
    });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("is not name = value");
    expect(badHtml).not.toContain(WHSEC);

    const csrf = csrfOf(detail);
    const refused = await post(`/console/sources/${sourceId}/delete`, cookie, csrf, { confirm: "wrong" });
    expect(refused.status).toBe(303);
    expect((await admin(`/v1/admin/sources/${sourceId}`)).status).toBe(200);
    const deleted = await post(`/console/sources/${sourceId}/delete`, cookie, csrf, { confirm: name });
    expect(deleted.headers.get("location")).toBe("/console/sources");
    expect((await admin(`/v1/admin/sources/${sourceId}`)).status).toBe(404);
  });

  it("finds a delivery in the log and shows its body, disposition and the profile it produced", async () => {
    const { cookie } = await signIn();
    const source = await mappedSource(workspaceName("cpages"));
    const body = JSON.stringify({ type: "signed_up", email: "pages@example.com", timestamp: 1_700_000_000 });
    const key = `msg_${crypto.randomUUID()}`;
    expect((await deliver(source.id, body, standardWebhooksHeaders(WHSEC, body, key))).status).toBe(202);
    const list = await eventually(async () => {
      const text = await html(`/console/deliveries?idempotencyKey=${key}`, cookie);
      return text.includes('class="disposition stored"') ? text : undefined;
    });
    const deliveryId = /href="\/console\/deliveries\/(dlv_\w+)"/.exec(list)![1]!;
    const detail = await html(`/console/deliveries/${deliveryId}`, cookie);
    expect(detail).toContain("pages@example.com");
    expect(detail).toContain('class="disposition stored"');
    expect(detail).toMatch(/href="\/console\/profiles\/prf_\w+"/);
    // A time range in UTC, as the form's datetime-local fields send it.
    const later = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
    expect(await html(`/console/deliveries?sourceId=${source.id}&from=${later}`, cookie)).toContain(
      "No delivery matches.",
    );
  });

  it("replays dead letters by filter: dry-run count, then a job whose progress page can be reopened", async () => {
    const { cookie } = await signIn();
    const source = await mappedSource(workspaceName("cdl"));
    for (let n = 0; n < 2; n++)
      await recordDeadLetter(env.DB, {
        reason: "retries_exhausted",
        detail: "test",
        attempts: 6,
        failedAt: Date.now() - 1000 + n,
        message: envelopeFor(source, { type: "t", user_id: `cdl-${n}` }, { idempotencyKey: `cdl-${n}` }),
      });
    const list = await html(`/console/dead-letters?sourceId=${source.id}`, cookie);
    expect(list).toContain("retries_exhausted");
    const dry = await html(
      `/console/dead-letters/replay?sourceId=${source.id}&reason=retries_exhausted`,
      cookie,
    );
    expect(dry).toMatch(/<strong>2<\/strong> dead/);
    const started = await post("/console/dead-letters/replay-jobs", cookie, csrfOf(dry), {
      sourceId: source.id,
      reason: "retries_exhausted",
    });
    expect(started.status).toBe(303);
    const progressPath = started.headers.get("location")!;
    expect(progressPath).toMatch(/^\/console\/dead-letters\/replay-jobs\/rpl_\w+$/);
    await eventually(async () => ((await html(progressPath, cookie)).includes("2 of 2") ? true : undefined));
    expect(await html(progressPath, cookie)).toContain("finished");
  });

  it("draws the overview from the admin API with uPlot served by the Worker", async () => {
    const { cookie } = await signIn();
    const overview = await html("/console?hours=1", cookie);
    expect(overview).toContain("data-ops-chart");
    expect(overview).toContain("Top rejection reasons");
    const uplot = /src="(\/console\/assets\/uplot\.js\?v=[0-9a-f]+)"/.exec(overview)![1]!;
    const script = await call(uplot);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("uPlot");
    expect(
      (await call(/href="(\/console\/assets\/uplot\.css\?v=[0-9a-f]+)"/.exec(overview)![1]!)).status,
    ).toBe(200);
  });
});
