import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { databaseHolding } from "../../../db/workspace-db";
import { externalSystem } from "../../../enrichment/external-system";
import { RECENT_CALLS_KEPT } from "../../../enrichment/recent-calls";
import { ExtensionStore } from "../../../enrichment/store";
import type { AppEnv } from "../../../lib/env";
import { ApiError } from "../../../lib/errors";
import { problemResponses } from "../../openapi";
import { ExtensionIdParamSchema } from "./schemas";

/** One recent call to an extension's endpoint. */
export const ExtensionCallSchema = z
  .object({
    at: z.string(),
    durationMs: z.number().int().openapi({ description: "Until the outcome was known, ms" }),
    outcome: z.string().openapi({
      description:
        "`ok`, or the failure: timeout, network, http_status, circuit_open, rate_limited, too_large, refused",
    }),
    status: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The endpoint's HTTP status, when it answered" }),
    detail: z.string().nullable(),
  })
  .openapi("ExtensionCall");

/** GET /v1/admin/extensions/{extensionId}/calls response. */
export const ExtensionCallListSchema = z
  .object({ data: z.array(ExtensionCallSchema), nextCursor: z.string().nullable() })
  .openapi("ExtensionCallList");

/** GET /v1/admin/extensions/{extensionId}/calls response. */
export type ExtensionCallList = z.infer<typeof ExtensionCallListSchema>;

const route = createRoute({
  method: "get",
  operationId: "listExtensionCalls",
  path: "/v1/admin/extensions/{extensionId}/calls",
  tags: ["admin"],
  summary: "The extension's recent calls to its endpoint, newest first: time, duration, outcome, status",
  description: `Kept by the extension's external system: its last ${RECENT_CALLS_KEPT} calls across the extensions sharing it. Requests and answers are not kept (they carry personal data).`,
  security: [{ adminToken: [] }],
  request: {
    params: ExtensionIdParamSchema,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z
        .string()
        .regex(/^\d{1,15}$/, "a nextCursor of a previous page")
        .optional()
        .openapi({ description: "`nextCursor` of the previous page" }),
    }),
  },
  responses: {
    200: {
      description: "Recent calls",
      content: { "application/json": { schema: ExtensionCallListSchema } },
    },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers GET /v1/admin/extensions/{extensionId}/calls. */
export function registerListExtensionCalls(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { extensionId } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const db = await databaseHolding(c.env, "extensions", extensionId);
    const extension = db && (await new ExtensionStore(db, c.env.SECRETS_KEY).get(extensionId));
    if (!extension) throw new ApiError("extension_not_found");
    const page = await externalSystem(c.env, extension.workspace, extension.system).recentCalls(
      extensionId,
      limit,
      cursor === undefined ? undefined : Number(cursor),
    );
    return c.json(
      {
        data: page.data.map((call) => ({
          at: new Date(call.at).toISOString(),
          durationMs: call.durationMs,
          outcome: call.outcome,
          status: call.status,
          detail: call.detail,
        })),
        nextCursor: page.next === null ? null : String(page.next),
      },
      200,
    );
  });
}
