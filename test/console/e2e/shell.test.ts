import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, adminToken, gatewayUrl, screenshot, signIn, skipReason, useBrowser } from "./support";

const NAV_PATHS = [
  "/console",
  "/console/sources",
  "/console/deliveries",
  "/console/dead-letters",
  "/console/profiles",
  "/console/identity",
  "/console/pull",
  "/console/enrichment",
  "/console/alerts",
];

/** True when `page` shows a signed-in console page (the navigation with its sign-out button). */
async function signedIn(page: Page): Promise<boolean> {
  await page.goto("/console");
  return (
    new URL(page.url()).pathname === "/console" &&
    (await page.getByRole("button", { name: "Sign out" }).count()) === 1
  );
}

describe.skipIf(skipReason)("console in Chromium: sign-in and security", () => {
  const { newPage, newContext } = useBrowser();

  // A page on another origin (same host, other port: same *site*, so even the SameSite=Strict cookie is
  // sent with its requests; only the Origin check and the CSRF token stand between it and the console).
  let evil: Server;
  let evilUrl = "";
  beforeAll(async () => {
    evil = createServer((request, response) => {
      const target = `${gatewayUrl}/console/sign-out`;
      const html =
        request.url === "/fetch"
          ? `<!doctype html><p id="done">sending</p><script>
               fetch(${JSON.stringify(target)}, { method: "POST", mode: "no-cors", credentials: "include",
                 body: new URLSearchParams({ _csrf: "0".repeat(64) }) })
                 .finally(() => { document.getElementById("done").textContent = "sent"; });
             </script>`
          : `<!doctype html><form id="f" method="post" action="${target}">
               <input type="hidden" name="_csrf" value="${"0".repeat(64)}"></form>
             <script>document.getElementById("f").submit();</script>`;
      response.writeHead(200, { "content-type": "text/html" });
      response.end(html);
    });
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => evil?.close(() => resolve())));

  it("signs in with the admin token, shows every page of the navigation, and signs out", async () => {
    const page = await newPage();
    await page.goto("/console");
    expect(new URL(page.url()).pathname).toBe("/console/sign-in");
    await screenshot(page, "sign-in");

    await page.getByLabel("Admin token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("That is not the admin token.");

    await signIn(page, "/console/deliveries");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Deliveries");
    for (const path of NAV_PATHS) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(200);
      expect(await page.locator('nav[aria-label="Console"] a[aria-current="page"]').count(), path).toBe(1);
    }
    await page.goto("/console");
    await screenshot(page, "overview");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/console/sign-in");
    expect(await page.getByRole("status").textContent()).toBe("Signed out.");
    await page.goto("/console/sources");
    expect(new URL(page.url()).pathname).toBe("/console/sign-in");
  });

  it("gives no data without a session: pages go to sign-in, everything else is 401, assets load", async () => {
    const context = await newContext();
    const page = await context.newPage();
    for (const path of NAV_PATHS) {
      await page.goto(path);
      expect(new URL(page.url()).pathname, path).toBe("/console/sign-in");
      const asData = await context.request.get(path, {
        headers: { accept: "application/json" },
        maxRedirects: 0,
      });
      expect(asData.status(), path).toBe(401);
      expect((await asData.json()).code).toBe("console_session_required");
    }
    const posted = await context.request.post("/console/sources", {
      headers: { origin: gatewayUrl },
      form: { name: "x" },
      maxRedirects: 0,
    });
    expect(posted.status()).toBe(401);
    // The sign-in page's stylesheet and script came from the console itself (no CDN, nothing blocked).
    const assets: number[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/console/assets/")) assets.push(r.status());
    });
    await page.goto("/console/sign-in");
    await page.waitForLoadState("load");
    expect(assets).toEqual([200, 200]);
    // Browser-side snippets are strings: this project typechecks against workers types, not the DOM.
    expect(
      await page.evaluate<string>('getComputedStyle(document.querySelector(".sign-in")).maxWidth'),
    ).not.toBe("none");
  });

  it("refuses a forged cross-site POST (form and fetch) and changes nothing", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page);
    const sourcesBefore = (await admin<{ data: unknown[] }>("/v1/admin/sources")).body.data.length;

    const refused = page.waitForResponse((r) => r.url() === `${gatewayUrl}/console/sign-out`);
    await page.goto(`${evilUrl}/form`);
    const answer = await refused;
    expect(answer.status()).toBe(403);
    expect((await answer.json()).code).toBe("cross_origin_request");
    expect(await signedIn(page)).toBe(true);

    await page.goto(`${evilUrl}/fetch`);
    await expect.poll(() => page.locator("#done").textContent()).toBe("sent");
    expect(await signedIn(page)).toBe(true);

    // Same origin but without the session's CSRF token: refused too.
    const noToken = await context.request.post("/console/sign-out", {
      headers: { origin: gatewayUrl },
      form: { _csrf: "0".repeat(64) },
      maxRedirects: 0,
    });
    expect(noToken.status()).toBe(403);
    expect((await noToken.json()).code).toBe("csrf_token_invalid");
    expect(await signedIn(page)).toBe(true);
    expect((await admin<{ data: unknown[] }>("/v1/admin/sources")).body.data.length).toBe(sourcesBefore);
  });

  it("never lets the admin token reach page JavaScript, storage or any console response", async () => {
    const context = await newContext();
    const page = await context.newPage();
    const bodies: string[] = [];
    page.on("response", async (r) => {
      if (!r.url().startsWith(gatewayUrl)) return;
      try {
        bodies.push(await r.text());
      } catch {
        // redirects have no body
      }
    });
    await signIn(page);
    for (const path of NAV_PATHS) {
      await page.goto(path);
      await page.waitForLoadState("load");
      const seen = await page.evaluate<{ cookie: string; scripts: string[]; [key: string]: unknown }>(`({
        cookie: document.cookie,
        local: JSON.stringify({ ...localStorage }),
        session: JSON.stringify({ ...sessionStorage }),
        html: document.documentElement.outerHTML,
        scripts: [...document.scripts].map((s) => s.src || s.text),
        globals: Object.keys(window).join(","),
      })`);
      expect(seen.cookie, path).toBe("");
      for (const value of Object.values(seen)) expect(JSON.stringify(value), path).not.toContain(adminToken);
      for (const src of seen.scripts) {
        const script = await context.request.get(src);
        expect(await script.text()).not.toContain(adminToken);
      }
    }
    expect(bodies.length).toBeGreaterThan(NAV_PATHS.length);
    for (const body of bodies) expect(body).not.toContain(adminToken);
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toContain("tributary_console");
    for (const cookie of cookies) {
      expect(cookie.value).not.toContain(adminToken);
      if (cookie.name === "tributary_console") {
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/console" });
      }
    }
  });
});
