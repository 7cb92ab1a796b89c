import type { SourceType } from "../sources/config";

/**
 * What the edge puts on the ingest queue for one accepted webhook delivery: who sent it, when, the
 * headers the mapping needs, and the verified body (inline, or in R2 under `bodyRef` when too large
 * for one queue message). Times are epoch milliseconds.
 */
export interface WebhookEnvelope {
  kind: "webhook";
  /** Format version of this envelope. */
  v: 1;
  deliveryId: string;
  sourceId: string;
  sourceType: SourceType;
  workspace: string;
  receivedAt: number;
  /** Sender-assigned id of this delivery (preset per source type) or `sha256:<hex of body>`. */
  idempotencyKey: string;
  /** Lower-cased header names → values, only those in {@link FORWARDED_HEADERS}. */
  headers: Record<string, string>;
  /** The body decoded as text (UTF-8 unless the charset said otherwise). */
  body?: string;
  /** R2 key of the body when it was stored out of band. */
  bodyRef?: string;
  /** Set for records the gateway pulled itself (poll page or CSV row) rather than received. */
  origin?: RecordOrigin;
}

/**
 * Where a pulled record came from: a poll run (`runId`) or a file import (`importId`, 1-based data
 * `row`). Informational: dedupe relies on the envelope's idempotency key alone.
 */
export interface RecordOrigin {
  kind: "poll" | "file";
  runId?: string;
  importId?: string;
  row?: number;
}

/** Every message the ingest queue carries. */
export type QueueMessage = WebhookEnvelope;

/** Headers the pipeline needs downstream (event topic, content type, delivery ids). */
export const FORWARDED_HEADERS = [
  "content-type",
  "x-github-event",
  "x-github-delivery",
  "x-shopify-topic",
  "x-shopify-webhook-id",
  "x-shopify-event-id",
  "x-shopify-triggered-at",
  "webhook-id",
  "webhook-timestamp",
  "user-agent",
] as const;

/** Picks the {@link FORWARDED_HEADERS} from `headers`. */
export function forwardedHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}
