import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { CursorQuerySchema, decodePosition, encodePosition } from "./page-cursor";
import { EventSchema, ProfileIdParamSchema } from "./profile-schemas";

/** GET /v1/admin/profiles/{profileId}/events response. */
export const EventListSchema = z
  .object({
    profileId: z.string(),
    data: z.array(EventSchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older events" }),
  })
  .openapi("EventList");

/** GET /v1/admin/profiles/{profileId}/events response. */
export type EventList = z.infer<typeof EventListSchema>;

const route = createRoute({
  method: "get",
  path: "/v1/admin/profiles/{profileId}/events",
  operationId: "listProfileEvents",
  tags: ["admin"],
  summary: "List a profile's events, newest first",
  security: [{ adminToken: [] }],
  request: {
    params: ProfileIdParamSchema,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: CursorQuerySchema,
    }),
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
    const { limit, cursor } = c.req.valid("query");
    const before = decodePosition(cursor);
    if (before && typeof before[0] !== "number")
      throw new ApiError("validation_failed", "cursor: not a cursor from a previous page");
    // One more than asked tells whether an older page exists.
    const events = await reader.events(profile.id, limit + 1, before && [before[0] as number, before[1]]);
    const page = events.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        profileId: profile.id,
        data: page,
        nextCursor:
          events.length > limit && last ? encodePosition([Date.parse(last.occurredAt), last.id]) : null,
      },
      200,
    );
  });
}
