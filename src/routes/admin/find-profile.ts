import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { workspaceDb } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { DefaultRegionSchema } from "../../sources/config";
import { problemResponses } from "../openapi";
import { IdentifierQuerySchema, splitIdentifier } from "./identity-schemas";
import { ProfileSchema } from "./profile-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/profiles",
  operationId: "findProfile",
  tags: ["admin"],
  summary: "Find the profile that owns an identifier",
  description:
    "The value is normalized as on ingest under the workspace's rules (email case and spaces, phone to E.164), so any spelling of it finds the profile.",
  security: [{ adminToken: [] }],
  request: {
    query: z.object({
      workspace: z.string().min(1).max(63).default("default"),
      identifier: IdentifierQuerySchema,
      region: DefaultRegionSchema.optional().openapi({
        description: "Region to read a national phone number in (ISO 3166-1 alpha-2)",
      }),
    }),
  },
  responses: {
    200: { description: "The profile", content: { "application/json": { schema: ProfileSchema } } },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/profiles?workspace=&identifier=<type>:<value>[&region=GB]. */
export function registerFindProfile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace, identifier, region } = c.req.valid("query");
    const { type, value } = splitIdentifier(identifier);
    const profile = await c.var.services
      .profiles(workspaceDb(c.env, workspace))
      .byIdentifier(workspace, type, value, region);
    if (!profile) throw new ApiError("profile_not_found", "No profile owns this identifier");
    return c.json(profile, 200);
  });
}
