import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { resolverFor } from "../../identity/resolver";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { IdentifierQuerySchema, splitIdentifier, WorkspaceParamSchema } from "./identity-schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/workspaces/{workspace}/quarantine",
  operationId: "releaseQuarantine",
  tags: ["admin", "identity"],
  summary: "Release a quarantined identifier value after review",
  description:
    "The value matches and merges again from the next event on, its link count starting afresh. Profiles it was kept apart from are not merged retroactively.",
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema,
    query: z.object({
      identifier: IdentifierQuerySchema.openapi({ description: "The match key, <type>:<value>" }),
    }),
  },
  responses: { 204: { description: "Released" }, ...problemResponses(400, 401, 404, 503) },
});

/** Registers DELETE /v1/admin/workspaces/{workspace}/quarantine?identifier=<type>:<value>. */
export function registerReleaseQuarantine(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    const { type, value } = splitIdentifier(c.req.valid("query").identifier);
    const released = await resolverFor(c.env, workspace).release(workspace, type, value);
    if (!released) throw new ApiError("not_found", "This value is not quarantined");
    log.info("quarantine_released", { workspace, type });
    return c.body(null, 204);
  });
}
