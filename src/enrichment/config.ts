import { z } from "@hono/zod-openapi";
import { ConditionSchema } from "../events/conditions";

/** `sync`: called before the event is stored; `async`: the event is stored first, enriched when it answers. */
export const EXTENSION_MODES = ["sync", "async"] as const;

/**
 * How we authenticate to the extension's endpoint: `bearer` sends the secret as a bearer token;
 * `standard-webhooks` signs each request (webhook-id, webhook-timestamp, webhook-signature) so the
 * receiver can verify it came from us, unaltered and recent.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export const EXTENSION_AUTH = ["none", "bearer", "standard-webhooks"] as const;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The endpoint: HTTPS, or plain HTTP to a loopback address (local simulators and benchmarks only), without user:password. */
export const EndpointSchema = z
  .url()
  .max(2048)
  .refine(
    (u) => {
      const url = new URL(u);
      return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
    },
    { message: "an https:// URL (http:// only to a loopback address)" },
  )
  // Credentials belong in the sealed `secret`: a URL shows up in responses and logs.
  .refine((u) => !new URL(u).username && !new URL(u).password, { message: "no credentials in the URL" });

/** Which events an extension applies to. Every given part must match (AND). */
export const MatchSchema = z
  .object({
    /** Source ids; omitted means every source. */
    sources: z.array(z.string().min(1).max(64)).min(1).max(50).optional(),
    /** Event types, exact or a prefix ending in `*`; omitted means every type. */
    eventTypes: z.array(z.string().min(1).max(128)).min(1).max(50).optional(),
    /** Conditions on event fields and on the profile's indicators (`indicators.<name>`). */
    conditions: z.array(ConditionSchema).max(20).default([]),
  })
  .openapi("ExtensionMatch");

/** Which events an extension applies to. */
export type Match = z.infer<typeof MatchSchema>;

/**
 * The shared rate budget and circuit breaker of the external system the extension calls. Extensions
 * naming the same `system` share one budget and one breaker; each call applies its own extension's
 * numbers, so extensions of one system should agree on them.
 */
export const LimitsSchema = z
  .object({
    /** Sustained calls per second to the system. */
    ratePerSecond: z.number().min(0.1).max(10_000).default(50),
    /** Calls that may go at once after a quiet period. */
    burst: z.number().int().min(1).max(10_000).default(50),
    /** Consecutive failures (timeout, network error, 5xx, 429) that open the breaker. */
    failureThreshold: z.number().int().min(1).max(1000).default(5),
    /** How long the breaker stays open before one probe call is let through, ms. */
    cooldownMs: z.number().int().min(100).max(3_600_000).default(30_000),
  })
  .openapi("ExtensionLimits");

/** Budget and breaker settings. */
export type Limits = z.infer<typeof LimitsSchema>;

/** Non-secret settings of an extension, stored as JSON with it. */
export const ExtensionConfigSchema = z.object({
  endpoint: EndpointSchema,
  auth: z.enum(EXTENSION_AUTH),
  /** Per call, ms. The wait for the rate budget may add up to as much again. */
  timeoutMs: z.number().int().min(50).max(30_000).default(2_000),
  /** Sync only: on timeout or failure, retry the message (backoff, then dead letter) or continue flagged. */
  onFailure: z.enum(["retry", "continue"]).default("retry"),
  match: MatchSchema.default({ conditions: [] }),
  /** Trait and property names the answer fills: shown on the profile as pending while an async call is out. */
  provides: z.array(z.string().min(1).max(128)).max(50).default([]),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
});

/** Non-secret settings of an extension. */
export type ExtensionConfig = z.infer<typeof ExtensionConfigSchema>;

/** An extension as the pipeline uses it: settings plus its opened secret (never serialized out). */
export interface Extension {
  id: string;
  workspace: string;
  name: string;
  mode: (typeof EXTENSION_MODES)[number];
  system: string;
  position: number;
  enabled: boolean;
  config: ExtensionConfig;
  secret: string | null;
  createdAt: number;
  updatedAt: number;
}

/** An extension without its secret: what the admin API may show. */
export type PublicExtension = Omit<Extension, "secret">;
