import { ADMIN_TOKEN, call } from "../support/gateway";

/** The origin the workerd tests call the gateway at (test/support/gateway.ts). */
export const ORIGIN = "https://gateway.test";

/** Signs in through the form; returns the session cookie pair ("tributary_console=...") and the raw Set-Cookie. */
export async function signIn(token = ADMIN_TOKEN): Promise<{ cookie: string; setCookie: string }> {
  const response = await call("/console/sign-in", {
    method: "POST",
    headers: {
      origin: ORIGIN,
      "sec-fetch-site": "same-origin",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ token, next: "/console" }),
    redirect: "manual",
  });
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0]!, setCookie };
}

/** GETs a console page as a browser navigation with `cookie`. */
export function page(path: string, cookie?: string): Promise<Response> {
  return call(path, {
    headers: { accept: "text/html", ...(cookie ? { cookie } : {}) },
    redirect: "manual",
  });
}

/** The CSRF token embedded in a console page's forms. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([0-9a-f]{64})"/.exec(html);
  if (!match) throw new Error("no CSRF field on the page");
  return match[1]!;
}

/**
 * POSTs a console form as the browser would: same origin, url-encoded `fields` (include `_csrf` from
 * {@link csrfOf} unless the test is about its absence), redirects not followed.
 */
export function postForm(path: string, cookie: string, fields: Record<string, string>): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: {
      cookie,
      origin: ORIGIN,
      "sec-fetch-site": "same-origin",
      accept: "text/html",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}
