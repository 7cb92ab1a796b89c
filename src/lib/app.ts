import { OpenAPIHono } from "@hono/zod-openapi";
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
    c.header("x-request-id", requestId);
  });
  app.onError(handleError);
  app.notFound((c) =>
    problemResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`)),
  );
  return app;
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
