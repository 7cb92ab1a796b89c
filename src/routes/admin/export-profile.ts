import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { exportProfile } from "../../views/export";
import { problemResponses } from "../openapi";
import { ProfileExportSchema, ProfileIdParamSchema } from "./profile-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/profiles/{profileId}/export",
  operationId: "exportProfile",
  tags: ["admin", "identity"],
  summary: "Export everything stored about a profile as JSON (right of access)",
  security: [{ adminToken: [] }],
  request: { params: ProfileIdParamSchema },
  responses: {
    200: { description: "The export", content: { "application/json": { schema: ProfileExportSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/profiles/{profileId}/export. */
export function registerExportProfile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "profiles", profileId);
    const exported = db && (await exportProfile(c.env, db, profileId));
    if (!exported) throw new ApiError("profile_not_found");
    log.info("profile_exported", { profileId: exported.profile.id, events: exported.events.length });
    c.header("content-disposition", `attachment; filename="${exported.profile.id}.json"`);
    return c.json(exported, 200);
  });
}
