import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { database } from "../../db/client";
import { authSchemeFor } from "../../ingest/auth";
import { decodeBody } from "../../ingest/decode";
import { logDelivery } from "../../ingest/delivery-log";
import { enqueueDelivery } from "../../ingest/enqueue";
import { forwardedHeaders, type WebhookEnvelope } from "../../ingest/envelope";
import { idempotencyKeyFor } from "../../ingest/idempotency";
import { readBody } from "../../ingest/read-body";
import { DEFAULT_MAX_BODY_BYTES } from "../../ingest/source-config";
import { SourceStore } from "../../ingest/sources";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";

/** 202 body of an accepted delivery. */
export const AcceptedDeliverySchema = z.object({ deliveryId: z.string() }).openapi("AcceptedDelivery");
/** 202 body of an accepted delivery. */
export type AcceptedDelivery = z.infer<typeof AcceptedDeliverySchema>;

const route = createRoute({
  method: "post",
  path: "/v1/sources/{sourceId}/webhooks",
  tags: ["ingest"],
  summary: "Receive a webhook delivery from a source",
  description:
    "Verifies the sender's signature over the raw body, then queues the delivery. Answers 202 once it is safely enqueued.",
  request: { params: z.object({ sourceId: z.string().min(1).max(64) }) },
  responses: {
    202: {
      description: "Accepted and queued",
      content: { "application/json": { schema: AcceptedDeliverySchema } },
    },
    ...problemResponses(400, 401, 404, 413, 415, 503),
  },
});

/** Registers POST /v1/sources/{sourceId}/webhooks: the edge ingress for pushed webhooks. */
export function registerIngestWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const receivedAt = Date.now();
    const { sourceId } = c.req.valid("param");
    const source = await new SourceStore(database(c.env.DB), c.env.SECRETS_KEY).get(sourceId, receivedAt);
    if (!source) throw new ApiError("source_not_found", "No source with this id");

    const body = await readBody(c.req.raw, source.config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    const outcome = await authSchemeFor(source.type).verify(
      { headers: c.req.raw.headers, body, url: c.req.url, now: receivedAt },
      source.secrets.map((s) => s.value),
      source.config,
    );
    if (!outcome.ok) {
      log.warn("delivery_rejected", { sourceId, code: outcome.code, reason: outcome.reason });
      logDelivery(c.env, c.executionCtx, { sourceId, status: "rejected", reason: outcome.code, receivedAt });
      throw new ApiError(outcome.code);
    }

    const { text, json } = decodeBody(body, c.req.header("content-type") ?? null);
    const envelope: WebhookEnvelope = {
      kind: "webhook",
      v: 1,
      deliveryId: newId("dlv"),
      sourceId,
      sourceType: source.type,
      workspace: source.workspace,
      receivedAt,
      idempotencyKey: await idempotencyKeyFor(source.type, c.req.raw.headers, json, body),
      headers: forwardedHeaders(c.req.raw.headers),
      body: text,
    };
    await enqueueDelivery(c.env, envelope);
    logDelivery(c.env, c.executionCtx, {
      sourceId,
      deliveryId: envelope.deliveryId,
      status: "accepted",
      idempotencyKey: envelope.idempotencyKey,
      receivedAt,
    });
    return c.json({ deliveryId: envelope.deliveryId }, 202);
  });
}
