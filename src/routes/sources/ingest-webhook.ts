import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { acceptDelivery } from "../../edge/accept";
import { validationFailed } from "../../lib/app";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";

/** 202 body of an accepted delivery. */
export const AcceptedDeliverySchema = z.object({ deliveryId: z.string() }).openapi("AcceptedDelivery");
/** 202 body of an accepted delivery. */
export type AcceptedDelivery = z.infer<typeof AcceptedDeliverySchema>;

/** 200 body of a Slack `url_verification` handshake. */
export const SlackChallengeSchema = z.object({ challenge: z.string() }).openapi("SlackChallenge");

const IngestParamsSchema = z.object({ sourceId: z.string().min(1).max(64) });

const route = createRoute({
  method: "post",
  path: "/v1/sources/{sourceId}/webhooks",
  operationId: "receiveWebhook",
  tags: ["ingest"],
  summary: "Receive a webhook delivery from a source",
  description:
    "Checks the source's inbound rate limit and IP allowlist, reads the body under the source's size limit, verifies the sender's signature or credentials over the exact bytes it signed, then decodes the body and queues the delivery. Answers 202 once it is safely enqueued. A signed Slack url_verification handshake is answered with its challenge (200) and not queued.",
  request: { params: IngestParamsSchema },
  responses: {
    200: {
      description: "Slack url_verification handshake answered",
      content: { "application/json": { schema: SlackChallengeSchema } },
    },
    202: {
      description: "Accepted and queued",
      content: { "application/json": { schema: AcceptedDeliverySchema } },
    },
    ...problemResponses(400, 401, 403, 404, 413, 415, 429, 503),
  },
});

/**
 * Registers POST /v1/sources/{sourceId}/webhooks: the edge ingress for pushed webhooks. Documented
 * from the route's schemas; its one parameter is checked here rather than by @hono/zod-openapi's
 * validator, whose zod run cost the accepted path about a tenth of its CPU for a length check. An
 * id out of bounds gets the validator's own 400 (the schema is run then).
 * @throws ApiError `validation_failed`, and whatever {@link acceptDelivery} throws
 */
export function registerIngestWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(route);
  app.post("/v1/sources/:sourceId/webhooks", async (c) => {
    const sourceId = c.req.param("sourceId");
    if (sourceId.length < 1 || sourceId.length > 64) {
      const parsed = IngestParamsSchema.safeParse({ sourceId });
      if (!parsed.success) throw validationFailed(parsed.error.issues);
    }
    const outcome = await acceptDelivery(c, sourceId, { kind: "webhook" });
    if (outcome.kind === "handshake") return c.json({ challenge: outcome.challenge }, 200);
    return c.json({ deliveryId: outcome.deliveryId }, 202);
  });
}
