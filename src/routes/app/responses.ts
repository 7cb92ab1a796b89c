import { z } from "@hono/zod-openapi";

/** The answer Segment gives to an accepted call; SDKs only look at the status code. */
export const SegmentSuccessSchema = z.object({ success: z.literal(true) }).openapi("SegmentSuccess");
/** The answer to an accepted single call. */
export type SegmentSuccess = z.infer<typeof SegmentSuccessSchema>;

/** One batch item that was not accepted, and why. `index` is its position in `batch`. */
export const RejectedMessageSchema = z
  .object({
    index: z.number().int(),
    messageId: z.string().optional(),
    code: z.enum(["validation_failed", "message_too_large"]),
    detail: z.string(),
  })
  .openapi("RejectedMessage");
/** One rejected batch item. */
export type RejectedMessage = z.infer<typeof RejectedMessageSchema>;

/**
 * The answer to a batch with at least one accepted message: Segment's `{"success": true}` (so SDKs
 * do not retry) plus how many messages were queued and which were rejected.
 */
export const BatchResultSchema = z
  .object({
    success: z.literal(true),
    accepted: z.number().int(),
    rejected: z.array(RejectedMessageSchema).optional(),
  })
  .openapi("SegmentBatchResult");
/** The answer to a batch. */
export type BatchResult = z.infer<typeof BatchResultSchema>;
