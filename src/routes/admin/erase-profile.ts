import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import { resolverFor } from "../../identity/resolver";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { ErasureReceiptSchema, ProfileIdParamSchema } from "./profile-schemas";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/profiles/{profileId}",
  operationId: "eraseProfile",
  tags: ["admin", "identity"],
  summary: "Erase a profile (right to be forgotten) and answer with a receipt",
  description:
    "Removes the live profile (a merged profile's id erases its survivor) and the profiles merged into it, their identifiers, traits, events, merges and review flags, dead letters that carry its deliveries or mention its identifier values, and the stored payloads of those deliveries. Redeliveries of the erased events are ignored; new events about the person create a new profile.",
  security: [{ adminToken: [] }],
  request: { params: ProfileIdParamSchema },
  responses: {
    200: { description: "Erased", content: { "application/json": { schema: ErasureReceiptSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers DELETE /v1/admin/profiles/{profileId}. */
export function registerEraseProfile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "profiles", profileId);
    const live = db && (await c.var.services.profiles(db).live(profileId));
    if (!live) throw new ApiError("profile_not_found");
    // The workspace's resolver erases between two events, so no merge races the erasure.
    const receipt = await resolverFor(c.env, live.workspace).erase(live.workspace, live.id);
    if (!receipt)
      throw new ApiError("profile_not_found", "The profile was erased or merged meanwhile; retry");
    return c.json(receipt, 200);
  });
}
