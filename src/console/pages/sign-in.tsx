import { deleteCookie, setCookie } from "hono/cookie";
import { secretsEqual } from "../../lib/constant-time";
import { ApiError } from "../../lib/errors";
import { type ConsoleContext, type Flash, href } from "../env";
import { redirectWithFlash } from "../flash";
import { assertSameOrigin, SESSION_COOKIE } from "../guard";
import { issueSession, SESSION_TTL_SECONDS } from "../session";
import { revokeSession } from "../session-revocations";
import type { ConsoleApp } from "./page";

/**
 * Where to go after sign-in: `next` when it is a console path (never another origin, never `//host`
 * or a backslash trick: no open redirect), else the overview.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || next.length > 2000) return href();
  if (!/^\/console(?:[/?#]|$)/.test(next) || /[\\\s]/.test(next) || next.startsWith("//")) return href();
  return next;
}

function SignInForm({ next, notice }: { next: string; notice?: Flash }) {
  return (
    <div class="sign-in">
      <h1>Tributary console</h1>
      {notice ? (
        <div class={`flash ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
          {notice.text}
        </div>
      ) : null}
      <form method="post" action={href("/sign-in")} class="stack">
        <input type="hidden" name="next" value={next} />
        <div>
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          <p class="hint">
            The gateway's <code>ADMIN_TOKEN</code> (locally: in <code>.dev.vars</code>). It is exchanged for a
            session cookie and not kept by the browser.
          </p>
        </div>
        <div>
          <button type="submit">Sign in</button>
        </div>
      </form>
    </div>
  );
}

function renderSignIn(c: ConsoleContext, next: string, error?: string, status: 200 | 401 = 200) {
  c.status(status);
  const notice: Flash | undefined = error ? { kind: "error", text: error } : c.get("flash");
  return c.render(<SignInForm next={next} notice={notice} />, { title: "Sign in", bare: true });
}

/**
 * GET/POST /console/sign-in and POST /console/sign-out. Sign-in compares the posted token with
 * ADMIN_TOKEN in constant time and answers with the session cookie: HttpOnly (no script reads it),
 * SameSite=Strict (no cross-site request carries it), Path=/console, Secure on https. The POST must
 * come from the console's own origin (no login CSRF). Sign-out (behind the session and CSRF guards)
 * revokes the session on the server (a copy of the cookie stops working too) and clears the cookie.
 */
export function registerSignIn(app: ConsoleApp): void {
  app.get("/sign-in", (c) => renderSignIn(c, safeNext(c.req.query("next"))));

  app.post("/sign-in", async (c) => {
    const adminToken = c.env.ADMIN_TOKEN;
    if (!adminToken) throw new ApiError("admin_not_configured");
    assertSameOrigin(c);
    const body = await c.req.parseBody();
    const next = safeNext(body.next);
    const token = typeof body.token === "string" ? body.token.trim() : "";
    if (!token || !(await secretsEqual(token, adminToken))) {
      return renderSignIn(c, next, "That is not the admin token.", 401);
    }
    setCookie(c, SESSION_COOKIE, await issueSession(adminToken), {
      path: "/console",
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: SESSION_TTL_SECONDS,
    });
    return c.redirect(next, 303);
  });

  app.post("/sign-out", async (c) => {
    await revokeSession(c.env.DB, c.get("session"));
    deleteCookie(c, SESSION_COOKIE, { path: "/console" });
    return redirectWithFlash(c, href("/sign-in"), { kind: "ok", text: "Signed out." });
  });
}
