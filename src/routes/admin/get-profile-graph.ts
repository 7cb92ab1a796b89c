import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { MAX_GRAPH_IDENTIFIERS, profileGraph } from "../../views/profile-graph";
import { problemResponses } from "../openapi";
import { MergeSchema, ProfileIdParamSchema } from "./profile-schemas";

/** A node of a profile's identity graph. */
export const GraphNodeSchema = z
  .object({
    id: z.string().openapi({ description: "A profile id, or `identifier:<type>:<value>`" }),
    kind: z.enum(["profile", "identifier", "merged_profile"]),
    label: z.string(),
    rawValue: z.string().optional(),
    quarantined: z.boolean().optional(),
    since: z.string().openapi({ description: "Identifier first seen, or profile created (ISO-8601)" }),
  })
  .openapi("ProfileGraphNode");

/** An edge of a profile's identity graph. */
export const GraphEdgeSchema = z
  .union([
    z.object({ kind: z.literal("has_identifier"), from: z.string(), to: z.string() }),
    z.object({
      kind: z.literal("merged_into"),
      from: z.string().openapi({ description: "The merged profile" }),
      to: z.string().openapi({ description: "The profile that absorbed it" }),
      via: z.string().openapi({ description: "Node id of the identifier that linked them" }),
      merge: MergeSchema,
    }),
  ])
  .openapi("ProfileGraphEdge");

/** GET /v1/admin/profiles/{profileId}/graph response. */
export const ProfileGraphSchema = z
  .object({
    profileId: z.string(),
    workspace: z.string(),
    nodes: z.array(GraphNodeSchema),
    edges: z.array(GraphEdgeSchema),
    omittedIdentifiers: z
      .number()
      .int()
      .openapi({ description: `Identifiers left out past the first ${MAX_GRAPH_IDENTIFIERS}` }),
  })
  .openapi("ProfileGraph");

/** GET /v1/admin/profiles/{profileId}/graph response. */
export type ProfileGraphView = z.infer<typeof ProfileGraphSchema>;

const route = createRoute({
  operationId: "getProfileGraph",
  method: "get",
  path: "/v1/admin/profiles/{profileId}/graph",
  tags: ["admin", "identity"],
  summary: "A profile's identity graph: its identifiers and the profiles merged into it, with why",
  description:
    "Nodes: the live profile (a merged profile's id answers for its survivor), its identifiers (the first 100) and every profile merged into it. Edges: `has_identifier`, and `merged_into` with the identifier, event and rule of the merge.",
  security: [{ adminToken: [] }],
  request: { params: ProfileIdParamSchema },
  responses: {
    200: { description: "The graph", content: { "application/json": { schema: ProfileGraphSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers GET /v1/admin/profiles/{profileId}/graph. */
export function registerGetProfileGraph(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const db = await databaseHolding(c.env, "profiles", profileId);
    const graph = db && (await profileGraph(db, profileId));
    if (!graph) throw new ApiError("profile_not_found");
    return c.json(graph, 200);
  });
}
