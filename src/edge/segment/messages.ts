import type { z } from "@hono/zod-openapi";
import {
  MAX_MESSAGE_BYTES,
  MESSAGE_SCHEMAS,
  SEGMENT_TYPES,
  type SegmentType,
} from "../../events/segment-spec";
import { sha256Hex, utf8 } from "../../lib/encoding";

/** Why one message was not accepted; `index` is its position in the batch (0 for single calls). */
export interface Rejection {
  index: number;
  messageId?: string;
  code: "validation_failed" | "message_too_large";
  detail: string;
}

/** A message ready to enqueue: its JSON text (what the pipeline maps) and its idempotency key. */
export interface AcceptedMessage {
  index: number;
  type: SegmentType;
  text: string;
  /** The messageId, or `sha256:<hex of text>` when the sender gave none. */
  idempotencyKey: string;
}

/** Batch-level fields that apply to every item of a batch. */
export interface BatchDefaults {
  sentAt?: string | null;
  context?: Record<string, unknown> | null;
  integrations?: Record<string, unknown> | null;
}

/**
 * Checks one message and prepares it for the queue: batch-level `sentAt`, `context` and
 * `integrations` are filled in (the item's own fields win), `writeKey` is dropped (it is a credential
 * and must never be stored), then the message is validated against its type's schema and its JSON
 * must fit {@link MAX_MESSAGE_BYTES}.
 * @param forcedType the route's type for single calls (/v1/track...); batch items name their own
 */
export async function checkMessage(
  raw: unknown,
  index: number,
  defaults: BatchDefaults,
  forcedType?: SegmentType,
): Promise<{ ok: true; message: AcceptedMessage } | { ok: false; rejection: Rejection }> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return reject(index, undefined, "validation_failed", "(message): must be a JSON object");
  const item = raw as Record<string, unknown>;
  const messageId = typeof item.messageId === "string" ? item.messageId.slice(0, 256) : undefined;
  const type = forcedType ?? item.type;
  if (typeof type !== "string" || !(SEGMENT_TYPES as readonly string[]).includes(type))
    return reject(index, messageId, "validation_failed", `type: must be one of ${SEGMENT_TYPES.join(", ")}`);

  const { writeKey: _writeKey, ...rest } = item;
  const prepared: Record<string, unknown> = { ...rest, type };
  if (prepared.sentAt == null && defaults.sentAt) prepared.sentAt = defaults.sentAt;
  // An item's own non-object context is left alone so that validation names it.
  if (defaults.context && mergeable(prepared.context))
    prepared.context = { ...defaults.context, ...prepared.context };
  if (defaults.integrations && mergeable(prepared.integrations))
    prepared.integrations = { ...defaults.integrations, ...prepared.integrations };

  let text: string;
  try {
    text = JSON.stringify(prepared);
  } catch {
    // Nesting deep enough to exhaust the stack: bad input, never a 5xx.
    return reject(index, messageId, "validation_failed", "(message): nested too deeply");
  }
  const bytes = utf8(text).byteLength;
  if (bytes > MAX_MESSAGE_BYTES)
    return reject(
      index,
      messageId,
      "message_too_large",
      `the message is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES} (32 KB)`,
    );
  const result = MESSAGE_SCHEMAS[type as SegmentType].safeParse(prepared);
  if (!result.success) return reject(index, messageId, "validation_failed", describeIssues(result.error));
  return {
    ok: true,
    message: {
      index,
      type: type as SegmentType,
      text,
      idempotencyKey: messageId ?? `sha256:${await sha256Hex(text)}`,
    },
  };
}

/** Zod issues as one line: `path: message; path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.join(".") || "(message)"}: ${i.message}`)
    .join("; ");
}

function mergeable(value: unknown): value is Record<string, unknown> | null | undefined {
  return value == null || (typeof value === "object" && !Array.isArray(value));
}

function reject(
  index: number,
  messageId: string | undefined,
  code: Rejection["code"],
  detail: string,
): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { index, ...(messageId ? { messageId } : {}), code, detail } };
}
