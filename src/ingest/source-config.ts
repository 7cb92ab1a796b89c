import { z } from "@hono/zod-openapi";

/** The sender schemes a source can use; the source's `type` picks its authentication and mapping. */
export const SOURCE_TYPES = ["standard-webhooks", "github", "shopify", "stripe", "generic-hmac"] as const;

/** One of {@link SOURCE_TYPES}. */
export type SourceType = (typeof SOURCE_TYPES)[number];

/**
 * A JSON path into the payload: `$.a.b[0].c` (dots and numeric indices only), or a literal string
 * written as `=literal` (e.g. an event type for a source that only sends one kind).
 */
export const JsonPathSchema = z.string().min(1).max(256);

/** How a generic/Standard Webhooks payload becomes a canonical event. */
export const MappingSchema = z
  .object({
    eventId: JsonPathSchema.optional(),
    eventType: JsonPathSchema.optional(),
    occurredAt: JsonPathSchema.optional(),
    identifiers: z.record(z.string().min(1).max(64), JsonPathSchema).default({}),
    traits: z.record(z.string().min(1).max(128), JsonPathSchema).default({}),
    properties: z.record(z.string().min(1).max(128), JsonPathSchema).default({}),
  })
  .openapi("Mapping");

/** A mapping from JSON paths to canonical event fields. */
export type Mapping = z.infer<typeof MappingSchema>;

/** Settings of the generic HMAC scheme, for senders we have no preset for. */
export const GenericHmacSchema = z
  .object({
    algorithm: z.enum(["sha1", "sha256", "sha512"]).default("sha256"),
    encoding: z.enum(["hex", "base64"]).default("hex"),
    header: z.string().min(1).max(128).default("x-signature"),
    prefix: z.string().max(32).default(""),
    /** Signed content template over `{timestamp}`, `{id}` and `{body}` (the raw bytes). */
    signedContent: z.string().min(1).max(256).default("{body}"),
    timestampHeader: z.string().min(1).max(128).optional(),
    idHeader: z.string().min(1).max(128).optional(),
  })
  .openapi("GenericHmac");

/** Non-secret settings of a source, stored as JSON with the source. */
export const SourceConfigSchema = z.object({
  mapping: MappingSchema.optional(),
  /** Allowed clock skew for signed timestamps, seconds, both directions (default 300). */
  toleranceSeconds: z.number().int().min(1).max(3600).optional(),
  /** Largest accepted body, bytes (default 1 MiB). */
  maxBodyBytes: z
    .number()
    .int()
    .min(1)
    .max(25 * 1024 * 1024)
    .optional(),
  genericHmac: GenericHmacSchema.optional(),
});

/** Non-secret settings of a source. */
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

/** Default body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
