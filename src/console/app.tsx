import { Hono } from "hono";
import { jsxRenderer } from "hono/jsx-renderer";
import { ApiError, handleError, problemResponse } from "../lib/errors";
import { AdminApiError } from "./admin-api";
import { registerAssets } from "./assets";
import { Layout, type PageProps } from "./components/layout";
import { ProblemBlock } from "./components/problem";
import type { AdminFetch, ConsoleContext, ConsoleEnv } from "./env";
import { readFlash } from "./flash";
import { isPageNavigation, requireCsrf, requireSession } from "./guard";
import { headersMiddleware } from "./headers";
import { PAGES } from "./pages/registry";
import { registerSignIn } from "./pages/sign-in";

/** Paths (under /console) reachable without a session: the sign-in form and the static assets. */
const PUBLIC_PATHS = /^\/console\/(?:sign-in$|assets\/)/;

/**
 * The operator console: server-rendered pages (Hono JSX) under /console. Order of the guards:
 * security headers on everything; assets and sign-in public; every other route needs a session; every
 * non-GET needs the CSRF token and the console's own origin. Pages read data only through the admin
 * API, in-process via `adminFetch` (the assembled gateway's own fetch, passed in by the mount).
 */
export function createConsole(adminFetch: AdminFetch): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use("*", headersMiddleware);
  app.use("*", async (c, next) => {
    c.set("adminFetch", adminFetch);
    await next();
  });
  app.use(
    "*",
    jsxRenderer(({ children, ...props }) => <Layout {...(props as unknown as PageProps)}>{children}</Layout>),
  );
  app.use("*", async (c, next) => {
    if (c.req.method === "GET") return readFlash(c, next);
    await next();
  });
  app.use("*", async (c, next) => (PUBLIC_PATHS.test(c.req.path) ? next() : requireSession(c, next)));
  app.use("*", async (c, next) => (PUBLIC_PATHS.test(c.req.path) ? next() : requireCsrf(c, next)));

  registerAssets(app);
  registerSignIn(app);
  for (const register of PAGES) register(app);

  app.all("*", (c) => {
    if (c.req.path === "/console/") return c.redirect("/console", 308);
    if (isPageNavigation(c)) {
      c.status(404);
      return c.render(<p>There is no console page at this address.</p>, { title: "Not found" });
    }
    return problemResponse(
      c,
      new ApiError("not_found", `No console route for ${c.req.method} ${c.req.path}`),
    );
  });
  app.onError((err, c) => renderError(err, c as ConsoleContext));
  return app;
}

/**
 * Errors under /console: a page navigation gets a readable page (the admin API's problem, or a generic
 * one) with the problem's status; anything else gets problem+json, exactly as the API answers.
 */
function renderError(err: Error, c: ConsoleContext): Response | Promise<Response> {
  if (err instanceof AdminApiError) {
    if (!isPageNavigation(c))
      return c.json(err.problem, err.problem.status as 400, { "content-type": "application/problem+json" });
    c.status(err.status as 400);
    return c.render(<ProblemBlock problem={err.problem} />, { title: err.problem.title });
  }
  const response = handleError(err, c);
  if (!isPageNavigation(c) || !c.get("session")) return response;
  c.status(response.status as 400);
  return response
    .clone()
    .json()
    .then((problem) =>
      c.render(<ProblemBlock problem={problem as never} />, { title: "Something went wrong" }),
    );
}
