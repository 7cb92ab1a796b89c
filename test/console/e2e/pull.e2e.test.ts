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
});
