import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { resolverFor } from "../../identity/resolver";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { ProjectionStatusSchema, WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/workspaces/{workspace}/identity/projection",
  operationId: "getIdentityProjection",
  tags: ["admin", "identity"],
  summary: "Projection lag: identity graph changes not yet readable in D1",
  description:
    "The workspace's IdentityResolver holds the authoritative identity graph; profiles, identifiers, traits, events and merges read through this API come from D1, written from the resolver's outbox. Those reads are eventually consistent: `pending` changes, the oldest `oldestPendingAgeSeconds` old, are not in D1 yet.",
  security: [{ adminToken: [] }],
  request: { params: WorkspaceParamSchema },
  responses: {
    200: {
      description: "Projection status",
      content: { "application/json": { schema: ProjectionStatusSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/workspaces/{workspace}/identity/projection. */
export function registerGetIdentityProjection(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    const status = await resolverFor(c.env, workspace).projectionStatus();
    return c.json({ workspace, ...status }, 200);
  });
}
