import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { assertConfiguredTarget } from "../../lib/outbound/configured";
import { sourceConfigProblems } from "../../sources/config-checks";
import { senderFor } from "../../sources/senders";
import { problemResponses } from "../openapi";
import { CreateSourceSchema, SourceSchema, sourceView } from "./source-schemas";

const route = createRoute({
  method: "post",
  path: "/v1/admin/sources",
  operationId: "createSource",
  tags: ["admin"],
  summary: "Create a source",
  security: [{ adminToken: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateSourceSchema } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: SourceSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers POST /v1/admin/sources. */
export function registerCreateSource(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { secret, name, workspace, type, ...config } = c.req.valid("json");
    // A type this build does not serve (the bench-only baseline) cannot be created by mistake.
    if (senderFor(type, c.get("senderOverrides")).disabled)
      throw new ApiError("validation_failed", `${type} sources are disabled in this deployment`);
    assertConfiguredTarget(
      c.env,
      "poll.url",
      config.poll && "url" in config.poll ? config.poll.url : undefined,
    );
    assertConfiguredTarget(c.env, "fetch.url", config.fetch?.url);
    // An SFTP host obeys the same address rule (checked as a URL's host; the scheme is irrelevant here).
    if (config.poll?.kind === "sftp")
      assertConfiguredTarget(c.env, "poll.host", `https://${config.poll.host}`);
    const problems = sourceConfigProblems(type, config);
    if (problems.length > 0) throw new ApiError(problems[0]!.code, problems.map((p) => p.detail).join("; "));
    const store = c.var.services.sources;
    const source = await store.create({ name, workspace, type, secret, config });
    log.info("source_created", { sourceId: source.id, type, workspace });
    return c.json(sourceView(source, baseUrl(c.var.services.config.publicBaseUrl, c.req.url)), 201);
  });
}

/** The public origin for ingest URLs: PUBLIC_BASE_URL, else the request's own origin. */
export function baseUrl(configured: string | undefined, requestUrl: string): string {
  return configured || new URL(requestUrl).origin;
}
