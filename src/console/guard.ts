import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { ApiError } from "../lib/errors";
import { type ConsoleContext, type ConsoleEnv, href } from "./env";
import { csrfTokenFor, csrfTokenValid, verifySession } from "./session";
import { isSessionRevoked } from "./session-revocations";

/** Name of the console's session cookie (Path=/console, HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = "tributary_console";

/** Name of the hidden form field that carries the CSRF token (`<CsrfField>`). */
export const CSRF_FIELD = "_csrf";

/** Header a console script may send the CSRF token in instead of the form field. */
export const CSRF_HEADER = "x-csrf-token";

/**
 * True when the request is a browser navigation to a page (a GET or HEAD that accepts HTML): without a
 * session it is redirected to sign-in. Everything else (form posts, scripts' fetches, downloads asked
 * for as JSON, curl) gets a 401 problem instead: never a redirect that a script would follow blindly.
 */
export function isPageNavigation(c: ConsoleContext): boolean {
  const method = c.req.method;
  return (method === "GET" || method === "HEAD") && (c.req.header("accept") ?? "").includes("text/html");
}

/** The sign-in URL that returns to the current page afterwards. */
export function signInUrl(c: ConsoleContext): string {
  const url = new URL(c.req.url);
  return `${href("/sign-in")}?next=${encodeURIComponent(url.pathname + url.search)}`;
}

/**
 * Session guard for every console route except sign-in and assets: a valid, unexpired session cookie
 * signed under the current ADMIN_TOKEN and not signed out (src/console/session-revocations.ts), or no
 * data at all (pages: 303 to sign-in; anything else: 401
 * `console_session_required`). Sets `session` and `csrfToken` for the handlers.
 */
export const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const adminToken = c.env.ADMIN_TOKEN;
  if (!adminToken) throw new ApiError("admin_not_configured");
  const verified = await verifySession(adminToken, getCookie(c, SESSION_COOKIE));
  // Only a correctly signed cookie reaches D1: forged or expired values cost no database read.
  const session = verified && !(await isSessionRevoked(c.env.DB, verified)) ? verified : null;
  if (!session) {
    if (isPageNavigation(c)) return c.redirect(signInUrl(c), 303);
    throw new ApiError("console_session_required");
  }
  c.set("session", session);
  c.set("csrfToken", await csrfTokenFor(adminToken, session));
  await next();
};

/**
 * Origins a console state change may come from: the request's own origin, and PUBLIC_BASE_URL's when
 * set (a proxy in front of the Worker may rewrite the host the Worker sees).
 */
function allowedOrigins(c: ConsoleContext): string[] {
  const origins = [new URL(c.req.url).origin];
  if (c.env.PUBLIC_BASE_URL) {
    try {
      origins.push(new URL(c.env.PUBLIC_BASE_URL).origin);
    } catch {
      // A malformed PUBLIC_BASE_URL adds nothing; the admin API reports it where it is used.
    }
  }
  return origins;
}

/**
 * The same-origin half of the CSRF defence, for every state-changing console request (sign-in too).
 * A browser's `Sec-Fetch-Site` (a header no page can set) must be `same-origin`. `Origin`, when it
 * names an origin, must be the console's own; it may be "null", because with
 * `Referrer-Policy: no-referrer` Chromium sends `Origin: null` even on a same-origin form post. A
 * request without Sec-Fetch-Site (an old browser, curl) must carry the console's own Origin. Throws
 * 403 `cross_origin_request`.
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Sec-Fetch-Site
 * @see https://fetch.spec.whatwg.org/#origin-header
 */
export function assertSameOrigin(c: ConsoleContext): void {
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  if (site !== undefined && site !== "same-origin") {
    throw new ApiError("cross_origin_request", `Sec-Fetch-Site is ${site}`);
  }
  if (origin !== undefined && origin !== "null" && !allowedOrigins(c).includes(origin)) {
    throw new ApiError("cross_origin_request", "Origin is not the console's");
  }
  if (site === undefined && (origin === undefined || origin === "null")) {
    throw new ApiError("cross_origin_request", "Neither Sec-Fetch-Site nor the console's Origin was sent");
  }
}

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * CSRF guard for every non-GET/HEAD console request after {@link requireSession}: same origin
 * ({@link assertSameOrigin}) and the session's CSRF token in the `_csrf` form field or the
 * `x-csrf-token` header. Throws 403 `cross_origin_request` or `csrf_token_invalid`. The parsed form
 * body stays cached, so handlers read it again with `c.req.parseBody()`.
 */
export const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  assertSameOrigin(c);
  let given = c.req.header(CSRF_HEADER);
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (given === undefined && FORM_TYPES.some((t) => type.startsWith(t))) {
    const field = (await c.req.parseBody())[CSRF_FIELD];
    given = typeof field === "string" ? field : undefined;
  }
  if (!(await csrfTokenValid(c.env.ADMIN_TOKEN ?? "", c.get("session"), given))) {
    throw new ApiError("csrf_token_invalid");
  }
  await next();
};
