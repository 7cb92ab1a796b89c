import type { Context } from "hono";
import { enqueueDelivery } from "../deliveries/enqueue";
import { forwardedHeaders, newDeliveryEnvelope } from "../deliveries/envelope";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/errors";
import { echoChallenge } from "../sources/handshakes";
import { idempotencyKeyFor } from "../sources/idempotency";
import { senderFor } from "../sources/senders";
import { signedContentKey } from "../sources/signed-content-key";
import type { Source } from "../sources/store";
import { admitToSource } from "./admission";
import { decodeBody } from "./decode";
import { recordingRejections } from "./rejections";
import { verifiedBody, verifyRequest } from "./verify-delivery";

/**
 * What a request to a source's ingest URLs asks of the edge:
 * - `webhook`: a pushed delivery (POST .../webhooks) to verify, decode and queue;
 * - `url-check`: a sender confirming the URL before it delivers (GET .../webhooks?<challengeParam>=…);
 * - `file`: a CSV upload (POST .../files), authenticated by its API key before a byte of the body is
 *   read; `store` then reads, checks and stores the body and returns what the route answers with.
 */
export type Intake<T> =
  | { kind: "webhook" }
  | { kind: "url-check" }
  | { kind: "file"; store: (source: Source, receivedAt: number) => Promise<T> };

/** The outcome of an accepted webhook: queued, or an in-band handshake answered and not queued. */
export type WebhookOutcome =
  | { kind: "queued"; deliveryId: string }
  | { kind: "handshake"; challenge: string };

/**
 * The edge's one entry point: everything a source's ingest URLs do before the sender gets its answer,
 * in this order (each step cheap before the next, nothing parsed before it is authenticated):
 * 1. admission: the source's inbound rate limit (429), the source (one lookup, 404), its IP allowlist (403);
 * 2. body: read once as bytes under the source's limits (413, 415 for an unknown Content-Encoding);
 * 3. verify: the sender's scheme over exactly the bytes it signed (401);
 * 4. decode: charset and JSON (400, 415; JSON-only senders refuse other media types);
 * 5. handshake: an in-band handshake (Slack `url_verification`) is answered here and never queued;
 * 6. envelope: one {@link newDeliveryEnvelope} with the sender's idempotency key and forwarded headers;
 * 7. enqueue: onto the ingest queue (503 with Retry-After when it refuses); the 2xx follows it.
 * A URL check stops after admission (a GET has no body to verify). A file upload verifies the API key
 * before the body, which `store` streams to storage. Every 4xx on the way is recorded per source and
 * reason in the delivery log (src/edge/rejections.ts).
 * @throws ApiError (4xx as above, `method_not_allowed` for a URL check on a source without a
 *   `challengeParam`, `bad_request` for a file sent to a source that takes none; 503 `queue_unavailable`)
 */
export function acceptDelivery(
  c: Context<AppEnv>,
  sourceId: string,
  intake: { kind: "webhook" },
): Promise<WebhookOutcome>;
export function acceptDelivery(
  c: Context<AppEnv>,
  sourceId: string,
  intake: { kind: "url-check" },
): Promise<string>;
export function acceptDelivery<T>(
  c: Context<AppEnv>,
  sourceId: string,
  intake: Extract<Intake<T>, { kind: "file" }>,
): Promise<T>;
export function acceptDelivery<T>(
  c: Context<AppEnv>,
  sourceId: string,
  intake: Intake<T>,
): Promise<WebhookOutcome | string | T> {
  const receivedAt = Date.now();
  return recordingRejections(c, sourceId, receivedAt, async () => {
    const source = await admitToSource(c.env, c.req.raw, sourceId, receivedAt);
    switch (intake.kind) {
      case "url-check":
        return echoHandshake(c.req.url, source);
      case "file":
        return acceptFile(c, source, receivedAt, intake.store);
      case "webhook":
        return acceptWebhook(c, source, receivedAt);
    }
  });
}

async function acceptWebhook(
  c: Context<AppEnv>,
  source: Source,
  receivedAt: number,
): Promise<WebhookOutcome> {
  const request = c.req.raw;
  const sender = senderFor(source.type, c.get("senderOverrides"));
  const body = await verifiedBody(source, sender, request, receivedAt);
  const { text, json } = decodeBody(body, request.headers.get("content-type"), { jsonOnly: sender.jsonOnly });
  const challenge = sender.handshake?.(json) ?? null;
  if (challenge !== null) return { kind: "handshake", challenge };
  // Senders that sign no timestamp (GitHub, Shopify, Twilio): the key is a digest of what they
  // signed, so a captured delivery re-sent under a new unsigned id is still a duplicate.
  const signedKey = signedContentKey(source, request, body);
  const envelope = newDeliveryEnvelope({
    origin: { kind: "webhook" },
    source,
    receivedAt,
    idempotencyKey:
      signedKey !== null
        ? await signedKey
        : await idempotencyKeyFor(
            sender.idempotencyPreset(source.config),
            request.headers,
            json,
            body,
            source.config,
          ),
    headers: forwardedHeaders(request.headers, sender.forwardedHeaders),
    body: text,
  });
  // The delivery's log row (its settled status) is written by the queue consumer, so the edge adds no
  // D1 write to an accepted delivery.
  await enqueueDelivery(c.env, envelope);
  return { kind: "queued", deliveryId: envelope.deliveryId };
}

function echoHandshake(url: string, source: Source): string {
  const param = source.config.challengeParam;
  if (!param)
    throw new ApiError("method_not_allowed", "This source takes deliveries by POST only", {
      headers: { allow: "POST" },
    });
  const challenge = echoChallenge(url, param);
  if (challenge === null)
    throw new ApiError("bad_request", `Query parameter ${param} is missing or not a plain token`);
  return challenge;
}

async function acceptFile<T>(
  c: Context<AppEnv>,
  source: Source,
  receivedAt: number,
  store: (source: Source, receivedAt: number) => Promise<T>,
): Promise<T> {
  const sender = senderFor(source.type, c.get("senderOverrides"));
  if (!sender.acceptsFiles)
    throw new ApiError(
      "bad_request",
      `A ${source.type} source does not take files; use a csv-file or rest-poll source`,
    );
  // The key travels in a header and is checked before a byte of the body is read: an anonymous client
  // cannot make us store anything.
  await verifyRequest(source, sender, c.req.raw, new Uint8Array(0), receivedAt);
  return store(source, receivedAt);
}
