import { z } from "@hono/zod-openapi";
import type { DeadLetter } from "../../deliveries/dead-letter-store";
import { DELIVERY_STATUSES } from "../../deliveries/delivery-log";
import type { DeliveryRecord } from "../../deliveries/delivery-log-reader";
import { ApiError } from "../../lib/errors";
import { DEAD_LETTER_REASONS } from "../../lib/failure";
import { dispositionOf } from "../../observability/dispositions";

const isoTime = z.iso.datetime({ offset: true });

/** `from` (inclusive) and `to` (exclusive) as ISO-8601 date-times. */
export const TimeRangeSchema = z.object({
  from: isoTime
    .optional()
    .openapi({ description: "Inclusive lower bound (ISO-8601)", example: "2026-11-29T00:00:00Z" }),
  to: isoTime
    .optional()
    .openapi({ description: "Exclusive upper bound (ISO-8601)", example: "2026-11-30T00:00:00Z" }),
});

/** Page size and continuation cursor of the list routes. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(200).optional().openapi({ description: "`nextCursor` of the previous page" }),
});

/** Epoch ms of an optional ISO time. */
export function epochMs(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso);
}

/** An opaque cursor for keyset pagination on (time, id): base64url, so it needs no escaping in a URL. */
export function encodeCursor(position: { at: number; id: string } | null): string | null {
  if (!position) return null;
  return btoa(JSON.stringify([position.at, position.id]))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

/** Decodes {@link encodeCursor}'s output. @throws ApiError `validation_failed` */
export function decodeCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, id] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as unknown[];
    if (typeof at === "number" && typeof id === "string") return { at, id };
  } catch {
    // fall through
  }
  throw new ApiError("validation_failed", "cursor: not a cursor from a previous page");
}

/** Dead-letter reason codes. */
export const DeadLetterReasonSchema = z.enum(DEAD_LETTER_REASONS).openapi("DeadLetterReason");

/** Filter of the dead-letter list and of a replay by filter. */
export const DeadLetterFilterSchema = z
  .object({
    sourceId: z.string().min(1).max(64).optional(),
    reason: DeadLetterReasonSchema.optional(),
  })
  .extend(TimeRangeSchema.shape);

/** A dead letter in a list. */
export const DeadLetterSummarySchema = z
  .object({
    id: z.string(),
    sourceId: z.string().nullable(),
    deliveryId: z.string().nullable(),
    reason: DeadLetterReasonSchema,
    detail: z.string().nullable(),
    attempts: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("DeadLetterSummary");

/** A dead letter with its original queue message (the delivery envelope). */
export const DeadLetterSchema = DeadLetterSummarySchema.extend({
  message: z.unknown().openapi({ description: "The original queue message, as a replay sends it" }),
}).openapi("DeadLetter");

/** A dead letter as the admin API shows it. */
export type DeadLetterView = z.infer<typeof DeadLetterSchema>;

/** Path parameter of the single-dead-letter routes. */
export const DeadLetterIdParamSchema = z.object({ deadLetterId: z.string().min(1).max(64) });

/** Answer of the replay routes. */
export const ReplayResultSchema = z
  .object({
    replayed: z
      .number()
      .int()
      .openapi({ description: "Dead letters sent back to the ingest queue and removed" }),
    more: z.boolean().openapi({ description: "More dead letters match the filter: call again" }),
  })
  .openapi("ReplayResult");

/** Answer of the replay routes. */
export type ReplayResult = z.infer<typeof ReplayResultSchema>;

/** Shapes a dead letter for the API; `message` only when loaded. */
export function deadLetterView(
  d: DeadLetter,
): z.infer<typeof DeadLetterSummarySchema> & { message?: unknown } {
  return {
    id: d.id,
    sourceId: d.sourceId,
    deliveryId: d.deliveryId,
    reason: d.reason,
    detail: d.detail,
    attempts: d.attempts,
    createdAt: new Date(d.createdAt).toISOString(),
    ...(d.message === undefined ? {} : { message: d.message }),
  };
}

/** A delivery log row. */
export const DeliverySchema = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    reason: z.string().nullable(),
    /** The one final outcome: `stored`, `rejected:signature_invalid`, `dead_lettered:retries_exhausted`… */
    disposition: z.string().openapi({ example: "rejected:signature_invalid" }),
    idempotencyKey: z.string().nullable(),
    receivedAt: z.string(),
    processedAt: z.string().nullable(),
  })
  .openapi("Delivery");

/** A delivery log row as the admin API shows it. */
export type DeliveryView = z.infer<typeof DeliverySchema>;

/** Shapes a delivery log row for the API. */
export function deliveryView(d: DeliveryRecord): DeliveryView {
  return {
    ...d,
    disposition: dispositionOf(d.status === "accepted" ? "stored" : d.status, d.reason),
    receivedAt: new Date(d.receivedAt).toISOString(),
    processedAt: d.processedAt === null ? null : new Date(d.processedAt).toISOString(),
  };
}
