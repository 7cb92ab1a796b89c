import { describe, expect, it } from "vitest";
import { admin, screenshot, sendSignedWebhook, signIn, skipReason, useBrowser } from "./support";

/** Polls `check` until it is truthy (the pipeline applies a delivery about a second after its 202). */
async function eventually<T>(check: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 160; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skipReason)("console in Chromium: Profiles and Identity", () => {
  const { newPage } = useBrowser();

  it("finds a merged profile by an identifier, shows it, exports it and erases it with a receipt", async () => {
    const run = crypto.randomUUID().slice(0, 8);
    // Not a .test domain: the default blocklist drops those as junk addresses.
    const email = `pat.${run}@example.com`;
    const phone = "+44 161 496 0000";
    const secret = `shpss_people_${run}`;
    const created = await admin<{ id: string; ingestUrl: string }>("/v1/admin/sources", {
      json: { name: `people shop ${run}`, type: "shopify", secret },
    });
    expect(created.status).toBe(201);
    const source = { ingestUrl: created.body.ingestUrl, type: "shopify" as const, secret };
    // Two guest orders (one by email, one by phone) make two profiles; the customer record that carries
    // both merges them.
    for (const [payload, topic] of [
      [{ id: 1, email, total_price: "10.00" }, "orders/create"],
      [{ id: 2, phone, total_price: "12.00" }, "orders/create"],
      [
        { id: 4242, email, phone, first_name: "Pat", admin_graphql_api_id: "gid://shopify/Customer/4242" },
        "customers/update",
      ],
    ] as const)
      expect((await sendSignedWebhook(source, payload, topic)).status).toBe(202);
    let last: unknown;
    await eventually(async () => {
      const found = await admin<{ mergedProfileIds: string[]; traits: Record<string, unknown> }>(
        `/v1/admin/profiles?workspace=default&identifier=email:${encodeURIComponent(email)}`,
      );
      last = found;
      return found.status === 200 && found.body.mergedProfileIds.length === 1 && found.body.traits.first_name;
    }, "the merge").catch(async (error) => {
      console.error(JSON.stringify(last), JSON.stringify((await admin("/v1/admin/deliveries?limit=5")).body));
      throw error;
    });

    const page = await newPage();
    await signIn(page, "/console/profiles");
    await page.getByLabel("Identifier value").fill(email.toUpperCase());
    await page.getByRole("button", { name: "Search" }).click();
    const result = page
      .getByRole("table", { name: /Search results/ })
      .getByRole("link")
      .first();
    await screenshot(page, "profiles");
    const profileId = (await result.textContent())!;
    await result.click();
    await page.waitForURL(`**/console/profiles/${profileId}`);

    const identifiers = page.getByRole("table", { name: "Identifiers" });
    await expect.poll(() => identifiers.textContent()).toContain(email);
    expect(await identifiers.textContent()).toContain("+441614960000");
    const traits = page.getByRole("table", { name: /Traits/ });
    expect(await traits.textContent()).toContain("first_name");
    expect(await traits.textContent()).toContain(created.body.id);
    const merges = page.getByRole("table", { name: /Merges/ });
    expect(await merges.textContent()).toMatch(/shared_identifier@v\d+/);
    expect(await page.getByRole("img", { name: `Identity graph of profile ${profileId}` }).count()).toBe(1);
    await screenshot(page, "profile");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export (JSON)" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${profileId}.json`);

    const erase = page.getByRole("button", { name: "Erase profile" });
    await page.getByLabel(/to confirm/).fill(profileId);
    await Promise.all([page.waitForURL("**/console/erasures/**"), erase.click()]);
    expect(await page.getByRole("status").first().textContent()).toContain(`Profile ${profileId} erased.`);
    expect(await page.getByRole("table", { name: "What was removed" }).textContent()).toMatch(/events\s*3/);
    await screenshot(page, "erasure-receipt");
    expect(
      (await admin(`/v1/admin/profiles?workspace=default&identifier=email:${encodeURIComponent(email)}`))
        .status,
    ).toBe(404);
  });

  it("shows the identity rules and the API's validation error for a bad edit", async () => {
    const page = await newPage();
    await signIn(page, "/console/identity");
    await page.goto("/console/identity?workspace=e2e-people");
    expect(await page.getByRole("table", { name: /Identifier types/ }).textContent()).toContain("email");
    await page.getByLabel(/Rules \(JSON/).fill(JSON.stringify({ maxMergesPerProfile: 101 }));
    await page.getByRole("button", { name: "Save rules" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("validation_failed");
    await page.goto("/console/identity?workspace=e2e-people");
    await screenshot(page, "identity");
  });
});
