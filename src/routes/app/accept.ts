import type { Context } from "hono";
import { recordDeliveries } from "../../deliveries/delivery-log";
import { enqueueDeliveries, queueUnavailable } from "../../deliveries/enqueue";
import { newDeliveryEnvelope } from "../../deliveries/envelope";
import {
  type AcceptedMessage,
  checkMessage,
  describeIssues,
  type Rejection,
} from "../../edge/segment/messages";
import { readJsonBody } from "../../edge/segment/read-request";
import { cachedWriteKeyGrant } from "../../edge/write-key-cache";
import { BatchSchema, MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, type SegmentType } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { presentedWriteKey, type WriteKeyGrant } from "../../sources/write-keys";
import type { BatchResult } from "./responses";

/**
 * Handles a single call (/v1/track, /v1/identify, ...): read, authenticate by write key, check the
 * message, enqueue it, answer Segment's 200 `{"success":true}`.
 * @throws ApiError 400 (`message_too_large`, `invalid_json`, `validation_failed`), 401, 503
 */
export async function acceptSingle(c: Context<AppEnv>, type: SegmentType): Promise<Response> {
  const receivedAt = Date.now();
  const early = await authenticateByHeader(c);
  const body = await readJsonBody(c.req.raw, MAX_MESSAGE_BYTES, messageTooLarge);
  const grant = early ?? (await authenticate(c, body));
  const checked = await checkMessage(body, 0, {}, type);
  if (!checked.ok) {
    logRejected(c, grant, [checked.rejection], receivedAt);
    throw new ApiError(checked.rejection.code, checked.rejection.detail);
  }
  await enqueue(c, grant, [checked.message], receivedAt);
  return c.json({ success: true as const }, 200);
}

/**
 * Handles /v1/batch: each item is checked on its own, the good ones are enqueued and a bad one is
 * listed in `rejected` without costing the others. Only when every item is bad is the answer a 400
 * (with the same list), since then nothing was accepted.
 * @throws ApiError 400 (`batch_too_large`, `invalid_json`, `validation_failed`, `message_too_large`), 401, 503
 */
export async function acceptBatch(c: Context<AppEnv>): Promise<Response> {
  const receivedAt = Date.now();
  const early = await authenticateByHeader(c);
  const body = await readJsonBody(c.req.raw, MAX_BATCH_BYTES, batchTooLarge);
  const grant = early ?? (await authenticate(c, body));
  const parsed = BatchSchema.safeParse(body);
  if (!parsed.success) throw new ApiError("validation_failed", describeIssues(parsed.error));

  const { batch, sentAt, context, integrations } = parsed.data;
  const accepted: AcceptedMessage[] = [];
  const rejected: Rejection[] = [];
  for (const [index, item] of batch.entries()) {
    const checked = await checkMessage(item, index, { sentAt, context, integrations });
    if (checked.ok) accepted.push(checked.message);
    else rejected.push(checked.rejection);
  }
  logRejected(c, grant, rejected, receivedAt);
  if (accepted.length === 0 && rejected.length > 0) {
    const code = rejected.every((r) => r.code === "message_too_large")
      ? "message_too_large"
      : "validation_failed";
    throw new ApiError(code, `All ${rejected.length} messages of the batch were rejected`, {
      extra: { rejected },
    });
  }
  await enqueue(c, grant, accepted, receivedAt);
  const result: BatchResult = {
    success: true,
    accepted: accepted.length,
    ...(rejected.length ? { rejected } : {}),
  };
  return c.json(result, 200);
}

/** With an Authorization header, a bad key is refused before the body is read (and inflated). */
async function authenticateByHeader(c: Context<AppEnv>): Promise<WriteKeyGrant | undefined> {
  return c.req.header("authorization") ? authenticate(c, undefined) : undefined;
}

/** Resolves the request's write key to its source, or answers 401. The key is never logged. */
async function authenticate(c: Context<AppEnv>, body: unknown): Promise<WriteKeyGrant> {
  const key = presentedWriteKey(c.req.header("authorization") ?? null, body);
  const challenge = { "www-authenticate": 'Basic realm="tributary"' };
  if (!key) {
    log.warn("write_key_missing", { path: c.req.path });
    throw new ApiError(
      "unauthorized",
      "A write key is required: HTTP Basic with the key as user name, or `writeKey` in the body",
      {
        headers: challenge,
      },
    );
  }
  const grant = await cachedWriteKeyGrant(c.env, key, Date.now());
  if (!grant) {
    log.warn("write_key_rejected", { path: c.req.path });
    throw new ApiError("unauthorized", "Unknown or revoked write key", { headers: challenge });
  }
  return grant;
}

async function enqueue(
  c: Context<AppEnv>,
  grant: WriteKeyGrant,
  messages: readonly AcceptedMessage[],
  receivedAt: number,
): Promise<void> {
  const userAgent = c.req.header("user-agent");
  const source = { id: grant.sourceId, type: "app" as const, workspace: grant.workspace };
  const envelopes = messages.map((m) =>
    newDeliveryEnvelope({
      origin: { kind: "app" },
      source,
      receivedAt,
      idempotencyKey: m.idempotencyKey,
      // The pipeline parses by content type: the message is JSON whatever the sender labelled it.
      headers: { "content-type": "application/json", ...(userAgent ? { "user-agent": userAgent } : {}) },
      body: m.text,
    }),
  );
  try {
    // Split into sendBatch calls within the queue's count and size limits. Accepted deliveries are
    // logged by the consumer with their outcome, so nothing is written here.
    await enqueueDeliveries(c.env, envelopes);
  } catch (error) {
    // Chunks sent before the failure are harmless: the sender retries the whole request on 503, and
    // those messages are then recognized by their idempotency keys (invariants 1 and 2).
    log.warn("queue_send_failed", {
      sourceId: grant.sourceId,
      messages: envelopes.length,
      error: String(error).slice(0, 200),
    });
    throw queueUnavailable();
  }
}

/** Rejected messages go to the delivery log in one write after the answer (waitUntil). */
function logRejected(
  c: Context<AppEnv>,
  grant: WriteKeyGrant,
  rejected: readonly Rejection[],
  receivedAt: number,
): void {
  if (rejected.length === 0) return;
  const entries = rejected.map((r) => ({
    sourceId: grant.sourceId,
    status: "rejected" as const,
    reason: r.code,
    ...(r.messageId ? { idempotencyKey: r.messageId } : {}),
    receivedAt,
  }));
  c.executionCtx.waitUntil(
    recordDeliveries(c.env.DB, entries, "keep").catch((error: unknown) => {
      log.error("delivery_log_failed", { sourceId: grant.sourceId, error: String(error).slice(0, 200) });
    }),
  );
}

function messageTooLarge(): ApiError {
  return new ApiError("message_too_large", `A message may be at most ${MAX_MESSAGE_BYTES} bytes (32 KB)`);
}

function batchTooLarge(): ApiError {
  return new ApiError("batch_too_large", `A batch may be at most ${MAX_BATCH_BYTES} bytes (500 KB)`);
}
