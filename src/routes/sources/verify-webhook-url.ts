import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { acceptDelivery } from "../../edge/accept";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";

const route = createRoute({
  method: "get",
  path: "/v1/sources/{sourceId}/webhooks",
  operationId: "verifyWebhookUrl",
  tags: ["ingest"],
  summary: "Answer a sender's URL handshake (GET echo challenge)",
  description:
    "For sources with a challengeParam: echoes the value of that query parameter as text/plain, which is how several senders confirm a URL before delivering to it. The source's rate limit and IP allowlist apply. Sources without a challengeParam answer 405.",
  request: { params: z.object({ sourceId: z.string().min(1).max(64) }) },
  responses: {
    200: { description: "The challenge, echoed", content: { "text/plain": { schema: z.string() } } },
    ...problemResponses(400, 403, 404, 405, 429),
  },
});

/** Registers GET /v1/sources/{sourceId}/webhooks: the generic echo handshake. */
export function registerVerifyWebhookUrl(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const challenge = await acceptDelivery(c, c.req.valid("param").sourceId, { kind: "url-check" });
    return c.text(challenge, 200, { "x-content-type-options": "nosniff", "cache-control": "no-store" });
  });
}
