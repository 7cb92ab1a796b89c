import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { readErasureReceipt } from "../../views/erasure-receipts";
import { problemResponses } from "../openapi";
import { WorkspaceParamSchema } from "./identity-schemas";
import { ErasureReceiptSchema } from "./profile-schemas";

/** GET /v1/admin/workspaces/{workspace}/erasures/{receiptId} response. */
export const StoredErasureReceiptSchema = ErasureReceiptSchema.omit({ archive: true }).openapi(
  "StoredErasureReceipt",
);

/** A stored erasure receipt as the admin API returns it. */
export type StoredErasureReceiptView = z.infer<typeof StoredErasureReceiptSchema>;

const route = createRoute({
  operationId: "getErasureReceipt",
  method: "get",
  path: "/v1/admin/workspaces/{workspace}/erasures/{receiptId}",
  tags: ["admin", "identity"],
  summary: "Read the receipt of a profile erasure again",
  description:
    "The proof an erasure left (ids and counts, never an erased value), as DELETE /v1/admin/profiles/{profileId} answered it, without the list of rewritten archive objects.",
  security: [{ adminToken: [] }],
  request: {
    params: WorkspaceParamSchema.extend({ receiptId: z.string().min(1).max(64) }),
  },
  responses: {
    200: {
      description: "The receipt",
      content: { "application/json": { schema: StoredErasureReceiptSchema } },
    },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/workspaces/{workspace}/erasures/{receiptId}. */
export function registerGetErasureReceipt(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { workspace, receiptId } = c.req.valid("param");
    const receipt = await readErasureReceipt(c.env, workspace, receiptId);
    if (!receipt) throw new ApiError("not_found", "No erasure receipt with this id in the workspace");
    return c.json(receipt, 200);
  });
}
