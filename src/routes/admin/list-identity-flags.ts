import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { workspaceDb } from "../../db/workspace-db";
import { listFlags } from "../../identity/flags";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../openapi";
import { IdentityFlagListSchema, WorkspaceParamSchema } from "./identity-schemas";
import { CursorQuerySchema, decodePosition, encodePosition } from "./page-cursor";

const route = createRoute({
  method: "get",
  path: "/v1/admin/workspaces/{workspace}/identity-flags",
  operationId: "listIdentityFlags",
  tags: ["admin", "identity"],
  summary: "List identity decisions flagged for review, newest first",
  description:
    "Identifiers dropped by merge protection, merges refused by a cap, and values quarantined for linking too many profiles.",
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema,
    query: z.object({
      kind: z.enum(["identifier_dropped", "merge_refused", "quarantined"]).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: CursorQuerySchema,
    }),
  },
  responses: {
    200: { description: "Flags", content: { "application/json": { schema: IdentityFlagListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/workspaces/{workspace}/identity-flags. */
export function registerListIdentityFlags(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace } = c.req.valid("param");
    const { kind, limit, cursor } = c.req.valid("query");
    const before = decodePosition(cursor);
    if (before && typeof before[0] !== "number")
      throw new ApiError("validation_failed", "cursor: not a cursor from a previous page");
    // One more than asked tells whether an older page exists.
    const flags = await listFlags(workspaceDb(c.env, workspace), workspace, {
      kind,
      limit: limit + 1,
      before: before && [before[0] as number, before[1]],
    });
    const page = flags.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        workspace,
        data: page,
        nextCursor:
          flags.length > limit && last ? encodePosition([Date.parse(last.createdAt), last.id]) : null,
      },
      200,
    );
  });
}
