import { newId } from "../lib/ids";
import type { SourceType } from "../sources/config";

/**
 * How a delivery reached the gateway: pushed by a sender to its webhook URL, sent by an app or SDK
 * (the Segment-compatible API), pulled from a source's API by a poll run (`runId`), or read from a
 * file (`importId`, 1-based data `row`). Informational: dedupe relies on the idempotency key alone.
 */
export type DeliveryOrigin =
  | { kind: "webhook" }
  | { kind: "app" }
  | { kind: "poll"; runId?: string }
  | { kind: "file"; importId?: string; row?: number };

/** The origin of a record the gateway pulled itself (a poll page's item or a CSV row). */
export type RecordOrigin = Extract<DeliveryOrigin, { kind: "poll" | "file" }>;

/**
 * What goes on the ingest queue for one delivery, whatever its origin: who sent it, when, the headers
 * the mapping needs, and the body (inline, or in R2 under `bodyRef` when too large for one queue
 * message). Times are epoch milliseconds. Build one with {@link newDeliveryEnvelope}.
 *
 * Wire format: `kind: "webhook"` and `v: 1` are the message tag every consumer version checks, kept
 * for all origins so messages already queued and consumers of the previous version during a deploy
 * read every message. `origin` is optional on read: messages queued before it existed have none
 * (those came from a webhook, or from the app API when `sourceType` is `app`).
 */
export interface DeliveryEnvelope {
  kind: "webhook";
  /** Format version of this envelope. */
  v: 1;
  deliveryId: string;
  sourceId: string;
  sourceType: SourceType;
  workspace: string;
  receivedAt: number;
  /** Sender-assigned id of this delivery (preset per sender), a record key, or `sha256:<hex of body>`. */
  idempotencyKey: string;
  /** Lower-cased header names → values, only those its sender forwards (see {@link forwardedHeaders}). */
  headers: Record<string, string>;
  /** The body decoded as text (UTF-8 unless the charset said otherwise). */
  body?: string;
  /** R2 key of the body when it was stored out of band. */
  bodyRef?: string;
  /** How the delivery arrived; absent on messages queued by earlier versions. */
  origin?: DeliveryOrigin;
}

/** @deprecated the previous name of {@link DeliveryEnvelope}, kept while branches move over. */
export type WebhookEnvelope = DeliveryEnvelope;

/** Every message the ingest queue carries. */
export type QueueMessage = DeliveryEnvelope;

/** What {@link newDeliveryEnvelope} needs; the delivery id is generated unless given. */
export interface DeliveryInput {
  origin: DeliveryOrigin;
  source: { id: string; type: SourceType; workspace: string };
  receivedAt: number;
  idempotencyKey: string;
  headers: Record<string, string>;
  body: string;
  deliveryId?: string;
}

/** The one way to build a queue message for a delivery (webhook, app message, poll record, CSV row). */
export function newDeliveryEnvelope(input: DeliveryInput): DeliveryEnvelope {
  return {
    kind: "webhook",
    v: 1,
    deliveryId: input.deliveryId ?? newId("dlv"),
    sourceId: input.source.id,
    sourceType: input.source.type,
    workspace: input.source.workspace,
    receivedAt: input.receivedAt,
    idempotencyKey: input.idempotencyKey,
    headers: input.headers,
    body: input.body,
    origin: input.origin,
  };
}

/** Headers every delivery forwards: how to read its body, and who sent it. */
export const COMMON_FORWARDED_HEADERS = ["content-type", "user-agent"] as const;

/**
 * Picks the {@link COMMON_FORWARDED_HEADERS} and the sender's own `names` (lower case) from
 * `headers`: only what the pipeline reads downstream (event topic, delivery ids) travels on the queue.
 */
export function forwardedHeaders(headers: Headers, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const list of [COMMON_FORWARDED_HEADERS, names])
    for (const name of list) {
      const value = headers.get(name);
      if (value !== null) out[name] = value;
    }
  return out;
}
