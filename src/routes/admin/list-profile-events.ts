import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { EventSchema, ProfileIdParamSchema } from "./profile-schemas";

/** GET /v1/admin/profiles/{profileId}/events response. */
export const EventListSchema = z
  .object({ profileId: z.string(), data: z.array(EventSchema) })
  .openapi("EventList");

const route = createRoute({
  method: "get",
  path: "/v1/admin/profiles/{profileId}/events",
  operationId: "listProfileEvents",
  tags: ["admin"],
  summary: "List a profile's events, newest first",
  security: [{ adminToken: [] }],
  request: {
    params: ProfileIdParamSchema,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  },
  responses: {
    200: { description: "Events", content: { "application/json": { schema: EventListSchema } } },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/profiles/{profileId}/events. */
export function registerListProfileEvents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "profiles", profileId);
    if (!db) throw new ApiError("profile_not_found");
    const reader = c.var.services.profiles(db);
    const profile = await reader.byId(profileId);
    if (!profile) throw new ApiError("profile_not_found");
    return c.json(
      { profileId: profile.id, data: await reader.events(profile.id, c.req.valid("query").limit) },
      200,
    );
  });
}
