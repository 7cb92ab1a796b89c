import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { admin, screenshot, signIn, skipReason, useBrowser } from "./support";

describe.skipIf(skipReason)("console in Chromium: Pull, Enrichment and Alerts", () => {
  const { newPage } = useBrowser();

  it("uploads a CSV from the browser, watches the import finish with rows accepted and rejected, and opens Enrichment and Alerts", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const created = await admin<{ id: string; name: string }>("/v1/admin/sources", {
      json: {
        name: `e2e people ${tag}`,
        type: "csv-file",
        secret: "mk_e2e_pull_0123456789abcdef",
        mapping: { identifiers: { email: "$.email" }, traits: { first_name: "$.first_name" } },
      },
    });
    expect(created.status).toBe(201);
    const file = path.join(tmpdir(), `people-${tag}.csv`);
    writeFileSync(
      file,
      ["email,first_name", `ana.${tag}@example.com,Ana`, ",no email here", `bo.${tag}@example.com,Bo`].join(
        "\n",
      ),
    );

    const page = await newPage();
    await signIn(page, "/console/pull");
    expect(await page.getByRole("heading", { name: "Poll jobs" }).count()).toBe(1);
    await page.getByLabel("Source", { exact: true }).selectOption(created.body.id);
    await page.getByLabel("CSV file", { exact: true }).setInputFiles(file);
    await Promise.all([
      page.waitForURL(/\/console\/pull\/imports\/imp_/),
      page.getByRole("button", { name: "Upload and import" }).click(),
    ]);
    // The page reloads itself while the import runs; wait for the finished state.
    // Polled from the test, not with page.waitForFunction: the console's CSP forbids evaluating strings.
    for (let i = 0; ; i++) {
      const status = await page
        .getByTestId("import-status")
        .textContent({ timeout: 5_000 })
        .catch(() => null);
      if (status === "completed") break;
      if (i >= 60) throw new Error(`the import did not complete (last status ${status})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await page.getByTestId("rows-read").textContent()).toBe("3");
    expect(await page.getByTestId("rows-accepted").textContent()).toBe("2");
    expect(await page.getByTestId("rows-rejected").textContent()).toBe("1");
    const rejected = page.getByRole("table", { name: "Rejected rows" });
    expect(await rejected.getByRole("row").count()).toBe(2);
    expect(await rejected.getByRole("cell").first().textContent()).toBe("2");
    await screenshot(page, "pull-import");

    await page.goto("/console/pull");
    expect(await page.getByRole("table", { name: "File imports" }).textContent()).toContain(
      `people-${tag}.csv`,
    );
    await screenshot(page, "pull");

    await page.goto("/console/enrichment");
    expect(await page.getByRole("heading", { name: "Extensions" }).count()).toBe(1);
    expect(await page.getByRole("heading", { name: "Activity indicators" }).count()).toBe(1);
    await screenshot(page, "enrichment");

    await page.goto("/console/alerts");
    expect(await page.getByRole("table", { name: "Alert rules" }).textContent()).toContain(
      "Dead letters waiting",
    );
    await screenshot(page, "alerts");
  });
  it("connects an SFTP-only csv-file source with the New source form and shows its settings without credentials", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const password = `e2e-sftp-${tag}-pw`;
    const fingerprint = `SHA256:${"e2eFingerprint0".repeat(3).slice(0, 42)}Q`;
    const page = await newPage();
    await signIn(page, "/console/sources/new?type=csv-file");
    await page.getByLabel("Name", { exact: true }).fill(`e2e sftp ${tag}`);
    await page.getByLabel("Identifiers", { exact: true }).fill("email = $.email");
    await page.getByLabel("Host", { exact: true }).fill("sftp.example.com");
    await page.getByLabel("Port", { exact: true }).fill("2222");
    await page.getByLabel("Username", { exact: true }).fill("tributary");
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByLabel("Host key fingerprint (required with a host)").fill(fingerprint);
    await page.getByLabel("Directory", { exact: true }).fill("/outbox");
    await page.getByLabel("File name pattern", { exact: true }).fill("customers-*.csv");
    await page.getByLabel("Schedule", { exact: true }).selectOption("86400");
    await page.getByLabel("After a file is imported", { exact: true }).selectOption("rename");
    await screenshot(page, "source-new-sftp");
    await Promise.all([
      page.waitForURL(/\/console\/sources\/src_/),
      page.getByRole("button", { name: "Create source" }).click(),
    ]);
    const settings = page.getByTestId("sftp-settings");
    expect(await settings.textContent()).toContain("tributary@sftp.example.com:2222");
    expect(await settings.textContent()).toContain("password set");
    expect(await settings.textContent()).toContain("Once a day");
    expect(await page.content()).not.toContain(password);
    await screenshot(page, "source-sftp");

    const id = /\/console\/sources\/(src_\w+)/.exec(page.url())![1]!;
    const stored = await admin<{ poll: Record<string, unknown> }>(`/v1/admin/sources/${id}`);
    expect(stored.body.poll).toMatchObject({
      kind: "sftp",
      host: "sftp.example.com",
      port: 2222,
      password: "[sealed]",
      hostKeyFingerprint: fingerprint,
      afterImport: "rename",
    });
    // Not left polling a host that does not exist.
    expect((await admin(`/v1/admin/sources/${id}`, { method: "DELETE" })).status).toBe(204);
  });
});
