import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { admitToSource } from "../../edge/admission";
import { recordingRejections } from "../../edge/rejections";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { echoChallenge } from "../../sources/handshakes";
import { problemResponses } from "../openapi";

const route = createRoute({
  method: "get",
  path: "/v1/sources/{sourceId}/webhooks",
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
    const receivedAt = Date.now();
    const { sourceId } = c.req.valid("param");
    return recordingRejections(c, sourceId, receivedAt, async () => {
      const source = await admitToSource(c.env, c.req.raw, sourceId, receivedAt);
      const param = source.config.challengeParam;
      if (!param)
        throw new ApiError("method_not_allowed", "This source takes deliveries by POST only", {
          headers: { allow: "POST" },
        });
      const challenge = echoChallenge(c.req.url, param);
      if (challenge === null)
        throw new ApiError("bad_request", `Query parameter ${param} is missing or not a plain token`);
      return c.text(challenge, 200, { "x-content-type-options": "nosniff", "cache-control": "no-store" });
    });
  });
}
