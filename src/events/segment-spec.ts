import { z } from "@hono/zod-openapi";

/**
 * Zod schemas of the Segment Spec's messages, as apps and SDKs send them to the HTTP Tracking API
 * (also the wire format of RudderStack, Jitsu and PostHog SDKs). Objects are loose: fields we do not
 * interpret (`channel`, `version`, `_metadata`, ...) are kept as sent. Ids may be strings or numbers
 * (several SDKs send numeric ids); null means absent (analytics.js sends `"userId": null`).
 * @see https://segment.com/docs/connections/spec/common/
 * @see https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
 */

/** The message types of the Segment Spec. */
export const SEGMENT_TYPES = ["identify", "track", "page", "screen", "group", "alias"] as const;

/** One of {@link SEGMENT_TYPES}. */
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/** An id as SDKs send it: a non-empty string or a finite number. */
export const SegmentIdSchema = z.union([z.string().min(1).max(512), z.number()]).openapi("SegmentId");

const DateTimeSchema = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO-8601 date-time")
  .openapi({ format: "date-time" });

const ObjectSchema = z.record(z.string(), z.unknown());

/** An entry of `context.externalIds`: another system's id of this user. */
export const ExternalIdSchema = z
  .object({
    id: SegmentIdSchema,
    type: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, _ . - (at most 64)")
      .describe("Becomes the identifier type, e.g. `crm_id`"),
    collection: z.string().max(128).optional(),
    encoding: z.string().max(32).optional(),
  })
  .loose()
  .openapi("SegmentExternalId");

/** `context`: where the message came from; only the fields used for identity are checked. */
export const SegmentContextSchema = z
  .object({
    traits: ObjectSchema.nullish(),
    device: z.object({ id: SegmentIdSchema.nullish() }).loose().nullish(),
    externalIds: z.array(ExternalIdSchema).max(64).nullish(),
  })
  .loose()
  .openapi("SegmentContext");

const common = {
  messageId: z.string().min(1).max(256).nullish().describe("The idempotency key of the message"),
  userId: SegmentIdSchema.nullish(),
  anonymousId: SegmentIdSchema.nullish(),
  context: SegmentContextSchema.nullish(),
  integrations: ObjectSchema.nullish(),
  timestamp: DateTimeSchema.nullish().describe("When the event happened, by the sender's clock"),
  originalTimestamp: DateTimeSchema.nullish(),
  sentAt: DateTimeSchema.nullish().describe("When the sender sent it; corrects the sender's clock skew"),
  /** Accepted for the wire format; stripped before anything is stored. */
  writeKey: z.string().max(256).nullish(),
};

function requireUser(value: { userId?: unknown; anonymousId?: unknown }, ctx: z.RefinementCtx): void {
  if (value.userId == null && value.anonymousId == null)
    ctx.addIssue({ code: "custom", path: ["userId"], message: "userId or anonymousId is required" });
}

/** `identify`: who the user is, and their traits. */
export const IdentifySchema = z
  .object({ ...common, type: z.literal("identify").optional(), traits: ObjectSchema.nullish() })
  .loose()
  .superRefine(requireUser)
  .openapi("SegmentIdentify");

/** `track`: something the user did. */
export const TrackSchema = z
  .object({
    ...common,
    type: z.literal("track").optional(),
    event: z.string().min(1).max(512),
    properties: ObjectSchema.nullish(),
  })
  .loose()
  .superRefine(requireUser)
  .openapi("SegmentTrack");

/** `page`: a web page view. */
export const PageSchema = z
  .object({
    ...common,
    type: z.literal("page").optional(),
    name: z.string().max(512).nullish(),
    category: z.string().max(512).nullish(),
    properties: ObjectSchema.nullish(),
  })
  .loose()
  .superRefine(requireUser)
  .openapi("SegmentPage");

/** `screen`: a mobile screen view. */
export const ScreenSchema = z
  .object({
    ...common,
    type: z.literal("screen").optional(),
    name: z.string().max(512).nullish(),
    category: z.string().max(512).nullish(),
    properties: ObjectSchema.nullish(),
  })
  .loose()
  .superRefine(requireUser)
  .openapi("SegmentScreen");

/** `group`: the user belongs to a group (account, company); `traits` are the group's, not the user's. */
export const GroupSchema = z
  .object({
    ...common,
    type: z.literal("group").optional(),
    groupId: SegmentIdSchema,
    traits: ObjectSchema.nullish(),
  })
  .loose()
  .superRefine(requireUser)
  .openapi("SegmentGroup");

/** `alias`: `previousId` and `userId` are the same user. */
export const AliasSchema = z
  .object({
    ...common,
    type: z.literal("alias").optional(),
    userId: SegmentIdSchema,
    previousId: SegmentIdSchema,
  })
  .loose()
  .openapi("SegmentAlias");

/** The schema of each message type. */
export const MESSAGE_SCHEMAS = {
  identify: IdentifySchema,
  track: TrackSchema,
  page: PageSchema,
  screen: ScreenSchema,
  group: GroupSchema,
  alias: AliasSchema,
} as const satisfies Record<SegmentType, z.ZodType>;

/**
 * POST /v1/batch body. Items are validated one by one (a bad item is rejected alone), so here they are
 * not checked at all; `context` and `integrations` at this level are merged into every item.
 */
export const BatchSchema = z
  .object({
    // Items stay unknown here: a non-object item is one rejected message, not a rejected batch.
    batch: z.array(
      z.unknown().openapi({ type: "object", description: "A message of any type (identify, track, ...)" }),
    ),
    sentAt: DateTimeSchema.nullish(),
    context: ObjectSchema.nullish(),
    integrations: ObjectSchema.nullish(),
    writeKey: z.string().max(256).nullish(),
  })
  .loose()
  .openapi("SegmentBatch");

/** POST /v1/batch body. */
export type Batch = z.infer<typeof BatchSchema>;

/** Largest message, bytes of its JSON: the Segment HTTP API's 32 KB (analytics-node counts 32 × 1024). */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/** Largest batch request body, bytes (after decompression): the Segment HTTP API's 500 KB. */
export const MAX_BATCH_BYTES = 500 * 1024;

/** An id as a string: numbers as their digits; null/undefined stay undefined. */
export function idString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
