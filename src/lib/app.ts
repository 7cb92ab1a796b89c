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
    setResponseHeader(c, "x-request-id", requestId);
  });
  app.onError(handleError);
  app.notFound((c) =>
    problemResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`)),
  );
  return app;
}

/**
 * Sets a header on the response a handler already made. In place when its headers are mutable (every
 * Response this app builds): Hono's `c.header()` after the handler copies the whole Response first,
 * a second Response per request. A Response whose headers are immutable (one passed through from a
 * `fetch`) makes `set` throw a TypeError; that one is copied by `c.header()`.
 */
function setResponseHeader(c: Context<AppEnv>, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    c.header(name, value);
  }
}

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
