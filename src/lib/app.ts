import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { ApiError, handleError, problemResponse } from "./errors";
import { newId } from "./ids";
import { withRequestId } from "./log";

/**
 * Creates a Hono app (or sub-app) whose zod validation failures, thrown ApiErrors and unknown errors
 * all leave as application/problem+json. Every request gets a `requestId` (echoed in `x-request-id`).
 */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return problemResponse(c, validationFailed(result.error.issues));
    },
  });
  app.use("*", async (c, next) => {
    const requestId = newId("req");
    c.set("requestId", requestId);
    await withRequestId(requestId, next);
    writableResponseHeaders(c).set("x-request-id", requestId);
  });
  app.onError(handleError);
  app.notFound((c) =>
    problemResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`)),
  );
  return app;
}

/**
 * The headers of the response a handler already made, for middleware to change after the handler:
 * the response's own when they are mutable (every Response this app builds), so nothing is copied,
 * where Hono's `c.header()` after the handler copies the whole Response, a second one per request.
 * A Response whose headers are immutable (passed through from a `fetch`, or `Response.redirect`) is
 * copied once into `c.res` first.
 * @see https://fetch.spec.whatwg.org/#concept-headers-guard
 */
export function writableResponseHeaders(c: Context): Headers {
  try {
    // Deleting a header no response carries changes nothing, and throws only when the guard is immutable.
    c.res.headers.delete(PROBE_HEADER);
    return c.res.headers;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    c.res = new Response(c.res.body, c.res);
    return c.res.headers;
  }
}

const PROBE_HEADER = "x-tributary-writable-probe";

/**
 * The 400 `validation_failed` for zod's `issues`: one message per issue (its dotted path, or
 * `(body)`), and the issues themselves as `issues: [{ path, message }]`. What every route's zod
 * validation answers with, and what a route that checks a schema itself throws.
 */
export function validationFailed(
  zodIssues: readonly { path: readonly PropertyKey[]; message: string }[],
): ApiError {
  const issues = zodIssues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  return new ApiError(
    "validation_failed",
    issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; "),
    {
      extra: { issues },
    },
  );
}
