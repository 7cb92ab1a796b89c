import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { ProfileIdParamSchema, ProfileSchema } from "./profile-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/profiles/{profileId}",
  operationId: "getProfile",
  tags: ["admin"],
  summary: "Get a profile (a merged profile's id returns the survivor)",
  security: [{ adminToken: [] }],
  request: { params: ProfileIdParamSchema },
  responses: {
    200: { description: "The profile", content: { "application/json": { schema: ProfileSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/profiles/{profileId}. */
export function registerGetProfile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "profiles", profileId);
    const profile = db && (await c.var.services.profiles(db).byId(profileId));
    if (!profile) throw new ApiError("profile_not_found");
    return c.json(profile, 200);
  });
}
