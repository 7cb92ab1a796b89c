import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { enqueueDelivery } from "../../deliveries/enqueue";
import { forwardedHeaders, type WebhookEnvelope } from "../../deliveries/envelope";
import { admitToSource } from "../../edge/admission";
import { decodeBody } from "../../edge/decode";
import { recordingRejections } from "../../edge/rejections";
import { verifiedBody } from "../../edge/verify-delivery";
import type { AppEnv } from "../../lib/env";
import { newId } from "../../lib/ids";
import { JSON_ONLY_SOURCE_TYPES } from "../../sources/config";
import { slackChallenge } from "../../sources/handshakes";
import { idempotencyKeyFor } from "../../sources/idempotency";
import { signedContentKey } from "../../sources/signed-content-key";
import { problemResponses } from "../openapi";

/** 202 body of an accepted delivery. */
export const AcceptedDeliverySchema = z.object({ deliveryId: z.string() }).openapi("AcceptedDelivery");
/** 202 body of an accepted delivery. */
export type AcceptedDelivery = z.infer<typeof AcceptedDeliverySchema>;

/** 200 body of a Slack `url_verification` handshake. */
export const SlackChallengeSchema = z.object({ challenge: z.string() }).openapi("SlackChallenge");

const route = createRoute({
  method: "post",
  path: "/v1/sources/{sourceId}/webhooks",
  tags: ["ingest"],
  summary: "Receive a webhook delivery from a source",
  description:
    "Checks the source's inbound rate limit and IP allowlist, reads the body under the source's size limit, verifies the sender's signature or credentials over the exact bytes it signed, then decodes the body and queues the delivery. Answers 202 once it is safely enqueued. A signed Slack url_verification handshake is answered with its challenge (200) and not queued.",
  request: { params: z.object({ sourceId: z.string().min(1).max(64) }) },
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

/** Registers POST /v1/sources/{sourceId}/webhooks: the edge ingress for pushed webhooks. */
export function registerIngestWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const receivedAt = Date.now();
    const { sourceId } = c.req.valid("param");
    return recordingRejections(c, sourceId, receivedAt, async () => {
      const source = await admitToSource(c.env, c.req.raw, sourceId, receivedAt);
      const body = await verifiedBody(source, c.req.raw, {
        now: receivedAt,
        allowUnauthenticated: c.env.ALLOW_UNAUTHENTICATED_SOURCES === "true",
      });
      const { text, json } = decodeBody(body, c.req.header("content-type") ?? null, {
        jsonOnly: JSON_ONLY_SOURCE_TYPES.has(source.type),
      });
      const challenge = slackChallenge(source.type, json);
      if (challenge !== null) return c.json({ challenge }, 200);

      const envelope: WebhookEnvelope = {
        kind: "webhook",
        v: 1,
        deliveryId: newId("dlv"),
        sourceId,
        sourceType: source.type,
        workspace: source.workspace,
        receivedAt,
        idempotencyKey:
          (await signedContentKey(source, c.req.raw.url, body)) ??
          (await idempotencyKeyFor(source.type, c.req.raw.headers, json, body, source.config)),
        headers: forwardedHeaders(c.req.raw.headers),
        body: text,
      };
      // The delivery log's "accepted" row is written by the queue consumer with the outcome, so the
      // edge adds no D1 write to an accepted delivery.
      await enqueueDelivery(c.env, envelope);
      return c.json({ deliveryId: envelope.deliveryId }, 202);
    });
  });
}
