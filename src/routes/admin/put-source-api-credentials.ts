import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { assertConfiguredTarget } from "../../lib/outbound/configured";
import { CredentialsSchema } from "../../sources/api-credentials";
import { problemResponses } from "../openapi";

/** What the credentials route answers: the kind and age only, never a secret. */
export const CredentialsInfoSchema = z
  .object({ type: z.string(), updatedAt: z.string() })
  .openapi("SourceApiCredentialsInfo");

const route = createRoute({
  method: "put",
  path: "/v1/admin/sources/{sourceId}/api-credentials",
  operationId: "setSourceApiCredentials",
  tags: ["admin", "polling"],
  summary: "Set the credentials the gateway uses to call the source's API (poller, fetch-on-notify)",
  description:
    "Bearer token, Basic, API key (header only) or OAuth2 client credentials. Write-only: stored sealed and never returned.",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ sourceId: z.string().min(1).max(64) }),
    body: { required: true, content: { "application/json": { schema: CredentialsSchema } } },
  },
  responses: {
    200: { description: "Stored", content: { "application/json": { schema: CredentialsInfoSchema } } },
    ...problemResponses(400, 401, 404, 503),
  },
});

/** Registers PUT /v1/admin/sources/{sourceId}/api-credentials. */
export function registerPutSourceApiCredentials(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sourceId } = c.req.valid("param");
    const source = await c.var.services.sources.getPublic(sourceId);
    if (!source) throw new ApiError("source_not_found");
    const credentials = c.req.valid("json");
    if (credentials.type === "oauth2-client-credentials")
      assertConfiguredTarget(c.env, "tokenUrl", credentials.tokenUrl);
    const info = await c.var.services.credentials.put(sourceId, credentials);
    if (!info) throw new ApiError("source_not_found");
    log.info("source_api_credentials_set", { sourceId, kind: credentials.type });
    return c.json({ type: info.type, updatedAt: new Date(info.updatedAt).toISOString() }, 200);
  });
}
