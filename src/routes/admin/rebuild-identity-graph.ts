import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { resolverFor } from "../../identity/resolver";
import type { AppEnv } from "../../lib/env";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { RebuildProgressSchema, RebuildRequestSchema, WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  method: "post",
  path: "/v1/admin/workspaces/{workspace}/identity/rebuild",
  operationId: "rebuildIdentityGraph",
  tags: ["admin", "identity"],
  summary: "Build the workspace's identity graph in its resolver from D1 (migration), one page per call",
  description:
    "For deployments whose identity graph lived in D1. Each call copies one page of profiles with their identifiers, event claims and merges; call again with the returned cursor until `done`. Safe to re-run: what the graph has already is kept. A resolver also does this by itself before its first event, so the action mostly serves to migrate ahead of traffic and to watch progress.",
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema,
    body: { content: { "application/json": { schema: RebuildRequestSchema } }, required: false },
  },
  responses: {
    200: {
      description: "Progress",
      content: { "application/json": { schema: RebuildProgressSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers POST /v1/admin/workspaces/{workspace}/identity/rebuild. */
export function registerRebuildIdentityGraph(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    const { cursor, pageSize } = RebuildRequestSchema.parse(
      c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {},
    );
    const { rules: _rules, ...progress } = await resolverFor(c.env, workspace).rebuild(
      workspace,
      cursor,
      pageSize,
    );
    log.info("identity_graph_rebuild_step", { workspace, done: progress.done, copied: progress.copied });
    return c.json(progress, 200);
  });
}
