import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { workspaceDb } from "../../src/db/workspace-db";
import type { ExtensionCallList } from "../../src/routes/admin/extensions/list-calls";
import type { IndicatorView } from "../../src/routes/admin/indicators/schemas";
import {
  createExtension,
  createIndicator,
  deviceSource,
  freshWorkspace,
  recomputed,
  send,
  storedCount,
} from "../enrichment/support";
import { admin, call, eventually } from "../support/gateway";
import { mockServer } from "../support/msw";
import { csrfOf, ORIGIN, page, signIn } from "./support";

const server = mockServer();

async function html(path: string, cookie: string): Promise<string> {
  const response = await page(path, cookie);
  expect(response.status, path).toBe(200);
  return response.text();
}

describe("console Enrichment page (workerd)", () => {
  it("shows an extension's open breaker in the list and on its page, with its recent calls", async () => {
    const workspace = freshWorkspace("console-breaker");
    server.use(http.post("https://down.example.test/enrich", () => new HttpResponse(null, { status: 503 })));
    const source = await deviceSource(workspace);
    const extension = await createExtension({
      workspace,
      name: "crm down",
      endpoint: "https://down.example.test/enrich",
      onFailure: "continue",
      // One failure opens it, and it stays open for the whole test.
      limits: { failureThreshold: 1, cooldownMs: 600_000, ratePerSecond: 50, burst: 50 },
    });
    await send(source, { email: "breaker@example.com", serial: "B1" });
    await storedCount(workspace, 1);
    await eventually(async () => {
      const calls = (await (
        await admin(`/v1/admin/extensions/${extension.id}/calls`)
      ).json()) as ExtensionCallList;
      return calls.data.length === 1 ? calls : undefined;
    });

    const { cookie } = await signIn();
    const list = await html(`/console/enrichment?workspace=${workspace}`, cookie);
    expect(list).toContain("crm down");
    expect(list).toMatch(/<strong>open<\/strong> · 1 failures · since <time/);

    const detail = await html(`/console/enrichment/extensions/${extension.id}`, cookie);
    expect(detail).toMatch(/<dt>Breaker<\/dt><dd><strong>open<\/strong> · 1 failures · since <time/);
    expect(detail).toContain("Recent calls");
    expect(detail).not.toContain("No call yet.");
    expect(detail).toContain("http_status");
    expect(detail).toContain("answered HTTP 503");
    expect(detail).toMatch(/<td class="num">503<\/td>/);
  });

  it("Recompute starts through the form; the page shows the recompute's progress while it runs and 'current' after", async () => {
    const workspace = freshWorkspace("console-recompute");
    const indicator = await createIndicator({ workspace, name: "orders", aggregate: "count" });
    await recomputed(indicator.id);
    const { cookie } = await signIn();
    const before = await html(`/console/enrichment?workspace=${workspace}`, cookie);
    const action = `/console/enrichment/indicators/${indicator.id}/recompute?workspace=${workspace}`;
    expect(before).toContain(action);

    const started = await call(action, {
      method: "POST",
      headers: {
        cookie,
        origin: ORIGIN,
        "sec-fetch-site": "same-origin",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ _csrf: csrfOf(before) }),
      redirect: "manual",
    });
    expect(started.status).toBe(303);
    expect(started.headers.get("location")).toBe(`/console/enrichment?workspace=${workspace}`);
    const flash = (started.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect(await html(started.headers.get("location")!, `${cookie}; ${flash}`)).toContain(
      "Recompute started",
    );
    const view = (await (await admin(`/v1/admin/indicators/${indicator.id}`)).json()) as IndicatorView;
    expect(view.version).toBe(indicator.version + 1);

    // An empty workspace recomputes at once; catch the page mid-run by holding the row where a longer
    // recompute would be (115 of 230 events), as the recompute alarm leaves it between pages.
    await recomputed(indicator.id);
    await workspaceDb(env, workspace)
      .prepare(
        "UPDATE indicator_definitions SET status = 'recomputing', recompute_done = 115, recompute_total = 230, recompute_finished_at = NULL WHERE id = ?",
      )
      .bind(indicator.id)
      .run();
    const running = await html(`/console/enrichment?workspace=${workspace}`, cookie);
    expect(running).toContain("<strong>Recomputing orders</strong>");
    expect(running).toContain('value="50" max="100"');
    expect(running).toContain("50 of 100 · still running; this page refreshes itself");
    expect(running).toContain("data-refresh");
    expect(running).toContain("recomputing 50%");
    expect(running).toMatch(/<button type="submit" class="secondary" disabled="">Recompute<\/button>/);

    await workspaceDb(env, workspace)
      .prepare("UPDATE indicator_definitions SET status = 'current', recompute_done = 230 WHERE id = ?")
      .bind(indicator.id)
      .run();
    const finished = await html(`/console/enrichment?workspace=${workspace}`, cookie);
    expect(finished).not.toContain("Recomputing orders");
    expect(finished).not.toContain("data-refresh");
    expect(finished).toContain(">current</td>");
    expect(finished).not.toMatch(/disabled="">Recompute</);
  });
});
