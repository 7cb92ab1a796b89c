import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { MergeListSchema, ProfileIdParamSchema } from "./profile-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/profiles/{profileId}/merges",
  operationId: "listProfileMerges",
  tags: ["admin", "identity"],
  summary: "List the merges that formed a profile, oldest first",
  description:
    "Every merge in the live profile's history (a merged profile's id answers for its survivor): which profiles, the identifier and event that caused it, and the rule.",
  security: [{ adminToken: [] }],
  request: { params: ProfileIdParamSchema },
  responses: {
    200: { description: "Merges", content: { "application/json": { schema: MergeListSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/profiles/{profileId}/merges. */
export function registerListProfileMerges(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "profiles", profileId);
    if (!db) throw new ApiError("profile_not_found");
    const reader = c.var.services.profiles(db);
    const live = await reader.live(profileId);
    if (!live) throw new ApiError("profile_not_found");
    return c.json({ profileId: live.id, data: await reader.merges(live.id) }, 200);
  });
}
