import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { workspaceDb } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { DefaultRegionSchema } from "../../sources/config";
import { searchProfiles } from "../../views/profile-search";
import { problemResponses } from "../openapi";
import { WorkspaceParamSchema } from "./identity-schemas";
import { CursorQuerySchema, decodePosition, encodePosition } from "./page-cursor";

/** A live profile in search results. */
export const ProfileSummarySchema = z
  .object({
    id: z.string(),
    identifiers: z
      .array(z.object({ type: z.string(), value: z.string() }))
      .openapi({ description: "Its first five identifiers, by type then value" }),
    identifierCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ProfileSummary");

/** GET /v1/admin/workspaces/{workspace}/profiles response. */
export const ProfileSearchResultSchema = z
  .object({
    workspace: z.string(),
    data: z.array(
      z.object({
        profile: ProfileSummarySchema,
        matched: z
          .object({ type: z.string(), value: z.string() })
          .nullable()
          .openapi({ description: "The identifier (match key) that matched; null when listing" }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("ProfileSearchResult");

/** GET /v1/admin/workspaces/{workspace}/profiles response. */
export type ProfileSearchResult = z.infer<typeof ProfileSearchResultSchema>;

const route = createRoute({
  operationId: "searchProfiles",
  method: "get",
  path: "/v1/admin/workspaces/{workspace}/profiles",
  tags: ["admin", "identity"],
  summary: "Search a workspace's profiles by identifier, or list the newest",
  description:
    "With `value`: profiles owning an identifier of `type` (any type when omitted) equal to the value as ingest would normalize it (`match=exact`), or starting with it (`match=prefix`, case folded for email and lower-case types, phones as `+` and digits). Results are identifier matches in match-key order (a profile with two matching identifiers is listed with each). Without `value`: live profiles, newest first. Keyset-paginated: pass `nextCursor` back as `cursor` with the same filters.",
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema,
    query: z.object({
      type: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, "an identifier type, e.g. email")
        .optional()
        .openapi({ description: "Identifier type; omitted: any type" }),
      value: z.string().max(512).optional(),
      match: z.enum(["exact", "prefix"]).default("exact"),
      region: DefaultRegionSchema.optional().openapi({
        description: "Region to read a national phone number in (ISO 3166-1 alpha-2)",
      }),
      limit: z.coerce.number().int().min(1).max(100).default(25),
      cursor: CursorQuerySchema,
    }),
  },
  responses: {
    200: {
      description: "Matching profiles",
      content: { "application/json": { schema: ProfileSearchResultSchema } },
    },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/workspaces/{workspace}/profiles. */
export function registerSearchProfiles(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    const q = c.req.valid("query");
    const page = await searchProfiles(workspaceDb(c.env, workspace), workspace, {
      ...(q.type ? { type: q.type } : {}),
      ...(q.value !== undefined ? { value: q.value } : {}),
      ...(q.region ? { region: q.region } : {}),
      match: q.match,
      limit: q.limit,
      after: decodePosition(q.cursor),
    });
    return c.json({ workspace, data: page.data, nextCursor: encodePosition(page.next) }, 200);
  });
}
