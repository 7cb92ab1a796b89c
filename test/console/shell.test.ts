import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call } from "../support/gateway";
import { csrfOf, ORIGIN, page, signIn } from "./support";

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  };
}

describe("console shell", () => {
  it("serves its stylesheet and script itself, with the strict CSP, without a session", async () => {
    const signInPage = await (await page("/console/sign-in")).text();
    const cssUrl = /href="(\/console\/assets\/console\.css\?v=[0-9a-f]+)"/.exec(signInPage)?.[1];
    const jsUrl = /src="(\/console\/assets\/console\.js\?v=[0-9a-f]+)"/.exec(signInPage)?.[1];
    expect(cssUrl).toBeDefined();
    expect(jsUrl).toBeDefined();
    const css = await call(cssUrl!);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(css.headers.get("content-security-policy")).toBe(CSP);
    expect(await css.text()).toContain(".skip-link");
    const js = await call(jsUrl!);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await js.text()).toContain("data-refresh");
    expect((await call("/console/assets/__proto__")).status).toBe(404);
  });

  it("sends a page without a session to sign-in and answers anything else 401, with no data", async () => {
    const nav = await page("/console/deliveries?sourceId=src_1");
    expect(nav.status).toBe(303);
    expect(nav.headers.get("location")).toBe(
      "/console/sign-in?next=%2Fconsole%2Fdeliveries%3FsourceId%3Dsrc_1",
    );
    expect(nav.headers.get("content-security-policy")).toBe(CSP);
    const api = await call("/console/deliveries");
    expect(api.status).toBe(401);
    expect(api.headers.get("content-type")).toBe("application/problem+json");
    expect(((await api.json()) as { code: string }).code).toBe("console_session_required");
    const forged = await page(
      "/console/sources",
      "tributary_console=v1.99999999999.00000000000000000000000000000000.00",
    );
    expect(forged.status).toBe(303);
  });

  it("signs in with the admin token for an HttpOnly, SameSite=Strict session cookie that is not the token", async () => {
    const wrong = await call("/console/sign-in", form({ token: "nope" }, { origin: ORIGIN }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That is not the admin token.");

    const { cookie, setCookie } = await signIn();
    expect(setCookie).toMatch(/; Path=\/console/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).not.toContain(ADMIN_TOKEN);

    const sources = await page("/console/sources", cookie);
    expect(sources.status).toBe(200);
    expect(sources.headers.get("content-security-policy")).toBe(CSP);
    expect(sources.headers.get("cache-control")).toBe("no-store");
    expect(sources.headers.get("referrer-policy")).toBe("no-referrer");
    expect(sources.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await sources.text();
    expect(html).toContain('aria-current="page">Sources</a>');
    expect(html).not.toContain(ADMIN_TOKEN);
    expect(html).not.toMatch(/<script>|<style>| style=| on[a-z]+=/);
  });

  it("refuses a sign-in posted from another origin", async () => {
    const response = await call(
      "/console/sign-in",
      form({ token: ADMIN_TOKEN }, { origin: "https://evil.test" }),
    );
    expect(response.status).toBe(403);
    expect(((await response.json()) as { code: string }).code).toBe("cross_origin_request");
  });

  it("returns to the page asked for, never to another origin", async () => {
    const back = await call(
      "/console/sign-in",
      form({ token: ADMIN_TOKEN, next: "/console/profiles?q=1" }, { origin: ORIGIN }),
    );
    expect(back.headers.get("location")).toBe("/console/profiles?q=1");
    for (const next of [
      "https://evil.test/console",
      "//evil.test/console",
      "/console\\@evil.test",
      "/consoleevil",
    ]) {
      const r = await call("/console/sign-in", form({ token: ADMIN_TOKEN, next }, { origin: ORIGIN }));
      expect(r.headers.get("location")).toBe("/console");
    }
  });

  it("signs out only with the session's CSRF token from the console's origin", async () => {
    const { cookie } = await signIn();
    const csrf = csrfOf(await (await page("/console/sources", cookie)).text());

    const noToken = await call("/console/sign-out", form({}, { cookie, origin: ORIGIN }));
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { code: string }).code).toBe("csrf_token_invalid");

    const crossSite = await call(
      "/console/sign-out",
      form({ _csrf: csrf }, { cookie, origin: "https://evil.test", "sec-fetch-site": "cross-site" }),
    );
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { code: string }).code).toBe("cross_origin_request");

    const noOrigin = await call("/console/sign-out", form({ _csrf: csrf }, { cookie }));
    expect(noOrigin.status).toBe(403);

    const otherSession = await signIn();
    const otherCsrf = csrfOf(await (await page("/console/sources", otherSession.cookie)).text());
    const wrongSession = await call(
      "/console/sign-out",
      form({ _csrf: otherCsrf }, { cookie, origin: ORIGIN }),
    );
    expect(wrongSession.status).toBe(403);

    const ok = await call(
      "/console/sign-out",
      form({ _csrf: csrf }, { cookie, origin: ORIGIN, "sec-fetch-site": "same-origin" }),
    );
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/console/sign-in");
    expect(ok.headers.getSetCookie().some((c) => /^tributary_console=;.*Max-Age=0/.test(c))).toBe(true);
    const flash = ok.headers
      .getSetCookie()
      .find((c) => c.startsWith("tributary_console_flash="))!
      .split(";")[0]!;
    expect(await (await page("/console/sign-in", flash)).text()).toContain("Signed out.");
  });

  it("renders every navigation entry for a signed-in operator", async () => {
    const { cookie } = await signIn();
    for (const path of [
      "",
      "/sources",
      "/deliveries",
      "/dead-letters",
      "/profiles",
      "/identity",
      "/pull",
      "/enrichment",
      "/alerts",
    ]) {
      const response = await page(`/console${path}`, cookie);
      expect(response.status, path).toBe(200);
    }
    const missing = await page("/console/nowhere", cookie);
    expect(missing.status).toBe(404);
  });
});
