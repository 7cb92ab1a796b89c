import { z } from "@hono/zod-openapi";
import { isSupportedCountry } from "libphonenumber-js/max";
import { IdempotencyKeySchema } from "./idempotency";
import { PullSettingsSchema } from "./poll-config";

/** The sender schemes a source can use; the source's `type` picks its authentication and mapping. */
export const SOURCE_TYPES = [
  "standard-webhooks",
  "github",
  "shopify",
  "stripe",
  "generic-hmac",
  "app",
  "slack",
  "twilio",
  "basic-auth",
  "bearer-token",
  "api-key",
  // Pulling sources (src/pull, src/pull/csv): files are uploaded with the source's API key.
  "rest-poll",
  "csv-file",
  // Bench only: the deployed Worker refuses it; only bench/worker.ts accepts it (see senders/unauthenticated.ts).
  "unauthenticated",
] as const;

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

/** An HTTP header name (RFC 9110 token), matched case-insensitively. */
export const HeaderNameSchema = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, "an HTTP header name");

/** Settings of the generic HMAC scheme, for senders we have no preset for. */
export const GenericHmacSchema = z
  .object({
    algorithm: z.enum(["sha1", "sha256", "sha512"]).default("sha256"),
    encoding: z.enum(["hex", "base64"]).default("hex"),
    header: HeaderNameSchema.default("x-signature"),
    prefix: z.string().max(32).default(""),
    /** Signed content template over `{timestamp}`, `{id}` and `{body}` (the raw bytes). */
    signedContent: z.string().min(1).max(256).default("{body}"),
    timestampHeader: HeaderNameSchema.optional(),
    idHeader: HeaderNameSchema.optional(),
    /** When set, the header may hold several signatures split by this separator (sender-side rotation). */
    signatureSeparator: z.string().min(1).max(4).optional(),
  })
  .refine((s) => !s.signedContent.includes("{timestamp}") || s.timestampHeader, {
    message: "signedContent uses {timestamp}: set timestampHeader",
  })
  .refine((s) => !s.signedContent.includes("{id}") || s.idHeader, {
    message: "signedContent uses {id}: set idHeader",
  })
  .openapi("GenericHmac");

/** Settings of the generic HMAC scheme, defaults applied. */
export type GenericHmac = z.infer<typeof GenericHmacSchema>;

/**
 * Edge settings of a source beyond its scheme's secret: what the sender signs, body limits, an
 * optional IP allowlist and per-scheme options. Shared by the stored config and the admin API.
 */
export const EdgeSettingsSchema = z.object({
  /**
   * Whether the sender signs the bytes on the wire (default) or the body after removing its
   * Content-Encoding (e.g. gzip).
   */
  signedBytes: z.enum(["wire", "decoded"]).optional(),
  /** Largest body after removing Content-Encoding, bytes (default: maxBodyBytes); a bigger one is a 413. */
  maxDecodedBytes: z
    .number()
    .int()
    .min(1)
    .max(25 * 1024 * 1024)
    .optional(),
  /** Client addresses or CIDR ranges allowed to deliver (CF-Connecting-IP); unset allows any. */
  allowedIps: z
    .array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]))
    .min(1)
    .max(64)
    .optional(),
  /** GitHub only: also accept the legacy `X-Hub-Signature: sha1=` when no SHA-256 signature is sent. */
  githubLegacySha1: z.boolean().optional(),
  /** Twilio only: the URL configured at Twilio (what it signs), when it differs from the request URL. */
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  /** API-key sources: the header that carries the key (case-insensitive; default `x-api-key`). */
  apiKeyHeader: HeaderNameSchema.optional(),
  /** Query parameter whose value a GET on the ingest URL echoes back (URL handshake); unset: no GET. */
  challengeParam: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
});

/** Edge settings of a source. */
export type EdgeSettings = z.infer<typeof EdgeSettingsSchema>;

/**
 * The region (ISO 3166-1 alpha-2, upper case, e.g. "GB") whose numbering plan reads national phone
 * numbers from this source: `0161 496 0000` from a GB source is +441614960000. Identity only.
 * @see https://www.iso.org/iso-3166-country-codes.html
 */
export const DefaultRegionSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code in upper case, e.g. GB")
  .refine((code) => isSupportedCountry(code), "not a region with a known phone numbering plan");

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
  defaultRegion: DefaultRegionSchema.optional(),
  /**
   * How far past its receipt an event's own time may be, seconds (default 86400): a later time, or one
   * before 1970, is replaced by the receipt time and the event is flagged `event_time_replaced`.
   */
  maxEventTimeAheadSeconds: z
    .number()
    .int()
    .min(0)
    .max(366 * 86_400)
    .optional(),
  /** Where the idempotency key comes from; unset: the source type's preset, else a hash of the body. */
  idempotencyKey: IdempotencyKeySchema.optional(),
  ...EdgeSettingsSchema.shape,
  ...PullSettingsSchema.shape,
});

/** Non-secret settings of a source. */
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

/** Default body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
