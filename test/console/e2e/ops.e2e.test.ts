import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { WRANGLER, wranglerEnv } from "../../../scripts/lib/gateway-process.mjs";
import { admin, screenshot, sendSignedWebhook, signIn, skipReason, useBrowser } from "./support";

/** A Standard Webhooks signing secret (whsec_ + base64 of 32 bytes). */
const SECRET = `whsec_${Buffer.from("tributary-console-e2e-key-000032").toString("base64")}`;

const ROOT = path.resolve(import.meta.dirname, "../../..");

/**
 * Records a dead letter for `sourceId` in the e2e gateway's local D1, as the dead-letter consumer does
 * when a delivery's retries run out: a row with the original queue message (a delivery envelope whose
 * payload is valid, so a replay stores it). Written with `wrangler d1 execute`: from outside, no sender
 * can make the gateway fail a delivery for good on purpose.
 */
function recordDeadLetter(source: { id: string; workspace: string }, email: string, key: string): string {
  const deliveryId = `dlv_e2e_${key}`;
  const envelope = {
    kind: "webhook",
    v: 1,
    deliveryId,
    sourceId: source.id,
    sourceType: "standard-webhooks",
    workspace: source.workspace,
    receivedAt: Date.now() - 60_000,
    idempotencyKey: key,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "order_paid", email, plan: "team" }),
    origin: { kind: "webhook" },
  };
  const q = (v: string) => `'${v.replaceAll("'", "''")}'`;
  const sql = `INSERT INTO dead_letters (id, source_id, delivery_id, reason, detail, attempts, message, created_at)
    VALUES (${q(`dlq_e2e_${key}`)}, ${q(source.id)}, ${q(deliveryId)}, 'retries_exhausted',
      'upstream kept failing (e2e)', 6, ${q(JSON.stringify(envelope))}, ${Date.now() - 30_000})`;
  execFileSync(
    WRANGLER,
    ["d1", "execute", "DB", "--local", "--persist-to", inject("persistDir"), "--command", sql],
    { cwd: ROOT, env: wranglerEnv({ CI: "true" }), stdio: "pipe" },
  );
  return `dlq_e2e_${key}`;
}

/** Reloads `path` until `probe` finds what it waits for (the queue consumer runs after the 202). */
async function reloadUntil(page: Page, path: string, probe: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(path);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${path}: not there in time`);
    await page.waitForTimeout(300);
  }
}

describe.skipIf(skipReason)("console in Chromium: sources, deliveries, dead letters, overview", () => {
  const { newPage } = useBrowser();

  it("creates a source, finds its signed delivery and the profile it produced, replays dead letters", async () => {
    const page = await newPage();
    await signIn(page);

    // Create a Standard Webhooks source through the form that fits its type.
    await page.goto("/console/sources/new");
    await screenshot(page, "source-new");
    await page.getByLabel("Source type", { exact: true }).selectOption("standard-webhooks");
    await page.getByRole("button", { name: "Continue" }).click();
    const name = `Checkout ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Secret").fill(SECRET);
    await page.getByLabel("Event type (JSON path, or =literal)").fill("$.type");
    await page.getByLabel("Identifiers").fill("email = $.email");
    await page.getByLabel("Traits").fill("plan = $.plan");
    await page.getByRole("button", { name: "Create source" }).click();
    await page.waitForURL(/\/console\/sources\/src_\w+$/);
    expect(await page.getByRole("status").first().textContent()).toContain("created");
    const sourceId = new URL(page.url()).pathname.split("/").pop()!;
    const ingestUrl = (await page.locator(".copy code").first().textContent())!;
    expect(ingestUrl).toMatch(new RegExp(`/v1/sources/${sourceId}/webhooks$`));

    // A signed webhook, as the sender would send it, and a forged one.
    const email = `e2e-${Date.now().toString(36)}@example.com`;
    const sent = await sendSignedWebhook(
      { ingestUrl, type: "standard-webhooks", secret: SECRET },
      { type: "signed_up", email, plan: "pro" },
    );
    expect(sent.status).toBe(202);
    const forged = await fetch(ingestUrl.replace(/^https?:\/\/[^/]+/, new URL(page.url()).origin), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_forged",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": "v1,AAAA",
      },
      body: "{}",
    });
    expect(forged.status).toBe(401);

    // The delivery log finds it; its detail shows the body and the profile it produced.
    const logPath = `/console/deliveries?sourceId=${sourceId}`;
    await reloadUntil(page, logPath, async () => (await page.locator(".disposition.stored").count()) === 1);
    expect(await page.locator(".disposition.rejected").textContent()).toBe("rejected:signature_invalid");
    await page
      .getByRole("row")
      .filter({ has: page.locator(".disposition.stored") })
      .getByRole("link", { name: /^dlv_/ })
      .click();
    await page.waitForURL(/\/console\/deliveries\/dlv_\w+$/);
    expect(await page.locator("pre.json").textContent()).toContain(email);
    const profileLink = page.locator('a[href^="/console/profiles/prf_"]').first();
    const profileId = (await profileLink.getAttribute("href"))!.split("/").pop()!;
    const profile = await admin<{ id: string; traits: Record<string, unknown> }>(
      `/v1/admin/profiles/${profileId}`,
    );
    expect(profile.body.traits.plan).toBe("pro");
    await screenshot(page, "delivery");
    await page.goto(logPath);
    await screenshot(page, "deliveries");

    // The sources list shows it with its last delivery and its rejection.
    await page.goto("/console/sources");
    const row = page.getByRole("row", { name: new RegExp(name) });
    expect(await row.locator("code", { hasText: "signature_invalid" }).count()).toBe(1);
    await screenshot(page, "sources");
    await page.goto(`/console/sources/${sourceId}`);
    await screenshot(page, "source");

    // Two dead letters of this source: replay one from its page, the other by filter with a dry run.
    const source = { id: sourceId, workspace: "default" };
    const one = recordDeadLetter(source, `dl1-${email}`, `${sourceId}-1`);
    recordDeadLetter(source, `dl2-${email}`, `${sourceId}-2`);
    await page.goto(`/console/dead-letters?sourceId=${sourceId}`);
    expect(await page.getByRole("link", { name: /^dlq_e2e_/ }).count()).toBe(2);
    await screenshot(page, "dead-letters");
    await page.getByRole("link", { name: one }).click();
    expect(await page.locator("pre.json").first().textContent()).toContain(`dl1-${email}`);
    await screenshot(page, "dead-letter");
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await page.waitForURL("**/console/dead-letters");
    expect(await page.getByRole("status").first().textContent()).toContain("replayed");
    await reloadUntil(
      page,
      `/console/deliveries?sourceId=${sourceId}&disposition=stored`,
      async () => (await page.locator(".disposition.stored").count()) === 2,
    );

    await page.goto(`/console/dead-letters/replay?sourceId=${sourceId}&reason=retries_exhausted`);
    expect(await page.getByRole("status").first().textContent()).toContain("1 dead letter matches");
    await screenshot(page, "dead-letters-replay");
    await page.getByRole("button", { name: "Replay 1 dead letter" }).click();
    await page.waitForURL(/\/console\/dead-letters\/replay-jobs\/rpl_\w+$/);
    await reloadUntil(page, new URL(page.url()).pathname, async () =>
      ((await page.locator(".progress").textContent()) ?? "").includes("1 of 1 · finished"),
    );
    await screenshot(page, "replay-job");
    await reloadUntil(
      page,
      `/console/deliveries?sourceId=${sourceId}&disposition=stored`,
      async () => (await page.locator(".disposition.stored").count()) === 3,
    );
    expect(
      (await admin<{ data: unknown[] }>(`/v1/admin/dead-letters?sourceId=${sourceId}`)).body.data,
    ).toEqual([]);

    // The overview counts it all and draws the chart with uPlot (served by the Worker).
    await page.goto("/console?hours=1");
    await page.locator(".ops-chart canvas").waitFor();
    expect(
      await page.locator(".ops-card", { hasText: "Rejected" }).locator(".ops-figure").textContent(),
    ).not.toBe("0");
    await screenshot(page, "overview");
  });

  // Opt-in (CONSOLE_LOAD=1): 100,000 deliveries in the log, then the time Chromium takes to load the
  // pages that read it. A measurement, not an assertion (speed targets belong in bench/): it prints.
  it.skipIf(process.env.CONSOLE_LOAD !== "1")("loads the log pages with 100,000 deliveries", async () => {
    const now = Date.now();
    const sql = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO deliveries (id, source_id, status, reason, idempotency_key, received_at, processed_at, headers, body, body_bytes)
      SELECT printf('dlv_load_%06d', i), 'src_load_' || (i % 20),
        CASE WHEN i % 10 = 0 THEN 'rejected' WHEN i % 7 = 0 THEN 'duplicate' ELSE 'stored' END,
        CASE WHEN i % 10 = 0 THEN 'signature_invalid' END, 'load_' || i, ${now} - i * 100, ${now} - i * 100 + 50,
        '{"content-type":"application/json"}', printf('{"n":%d}', i), 10 FROM n`;
    execFileSync(
      WRANGLER,
      ["d1", "execute", "DB", "--local", "--persist-to", inject("persistDir"), "--command", sql],
      { cwd: ROOT, env: wranglerEnv({ CI: "true" }), stdio: "pipe" },
    );
    const page = await newPage();
    await signIn(page);
    const timings: Record<string, number[]> = {};
    for (const path of [
      "/console?hours=3",
      "/console/deliveries",
      "/console/deliveries?disposition=rejected:signature_invalid",
      "/console/deliveries?sourceId=src_load_3",
      "/console/deliveries?idempotencyKey=load_4242",
      "/console/deliveries/dlv_load_004242",
      "/console/sources",
    ]) {
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        const response = await page.goto(path, { waitUntil: "load" });
        expect(response?.status(), path).toBe(200);
        timings[path] = [...(timings[path] ?? []), performance.now() - started];
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `console load with 100,000 deliveries (median of 5, ms): ${JSON.stringify(
        Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(median(v))])),
      )}`,
    );
  });
});
