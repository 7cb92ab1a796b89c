import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ProfileReader } from "../../identity/profiles";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { ProfileSchema } from "./profile-schemas";

const route = createRoute({
  method: "get",
  path: "/v1/admin/profiles",
  tags: ["admin"],
  summary: "Find the profile that owns an identifier",
  security: [{ adminToken: [] }],
  request: {
    query: z.object({
      workspace: z.string().min(1).max(63).default("default"),
      identifier: z
        .string()
        .min(3)
        .max(512)
        .regex(/^[A-Za-z0-9_.-]+:.+$/, "write it as <type>:<value>, e.g. email:jane@example.com"),
    }),
  },
  responses: {
    200: { description: "The profile", content: { "application/json": { schema: ProfileSchema } } },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/profiles?workspace=&identifier=<type>:<value>. */
export function registerFindProfile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace, identifier } = c.req.valid("query");
    const colon = identifier.indexOf(":");
    const profile = await new ProfileReader(c.env.DB).byIdentifier(
      workspace,
      identifier.slice(0, colon),
      identifier.slice(colon + 1),
    );
    if (!profile) throw new ApiError("profile_not_found", "No profile owns this identifier");
    return c.json(profile, 200);
  });
}
