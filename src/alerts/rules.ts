import { z } from "@hono/zod-openapi";

const on = z.boolean().default(true);

/**
 * A workspace's alert rules. Every field has a default, so `{}` is the default rule set and an
 * operator overrides only what differs. Times are minutes or seconds as the field name says.
 */
export const AlertRulesSchema = z
  .object({
    /** After a firing is announced, another firing of the same rule and subject waits this long. */
    cooldownMinutes: z.number().int().min(0).max(10_080).default(30),
    /** Share of a source's deliveries rejected at the edge over the window. */
    rejectionRate: z
      .object({
        enabled: on,
        thresholdPercent: z.number().min(0).max(100).default(20),
        windowMinutes: z.number().int().min(1).max(1440).default(15),
        /** Fewer deliveries than this in the window: no verdict (one bad request is not 100%). */
        minDeliveries: z.number().int().min(1).max(100_000).default(10),
      })
      .default({ enabled: true, thresholdPercent: 20, windowMinutes: 15, minDeliveries: 10 }),
    /**
     * A source silent longer than `gapMultiplier` × its median gap between deliveries over the last
     * day (and at least `minSilenceMinutes`); `silenceMinutes` per source id replaces the learned gap.
     */
    sourceSilence: z
      .object({
        enabled: on,
        gapMultiplier: z.number().min(1).max(1000).default(10),
        minSilenceMinutes: z.number().int().min(1).max(10_080).default(60),
        /** Deliveries in the last day needed to learn a source's usual gap. */
        minDeliveriesPerDay: z.number().int().min(2).max(10_000).default(10),
        silenceMinutes: z.record(z.string().min(1).max(64), z.number().int().min(1).max(43_200)).default({}),
      })
      .default({
        enabled: true,
        gapMultiplier: 10,
        minSilenceMinutes: 60,
        minDeliveriesPerDay: 10,
        silenceMinutes: {},
      }),
    /** Dead letters of the workspace waiting for replay or deletion. */
    deadLetters: z
      .object({ enabled: on, above: z.number().int().min(0).default(0) })
      .default({ enabled: true, above: 0 }),
    /** Age of the oldest unacknowledged message of any queue (deployment-wide). */
    queueBacklog: z
      .object({ enabled: on, seconds: z.number().int().min(1).default(300) })
      .default({ enabled: true, seconds: 300 }),
    /** A poll job whose last `consecutiveRuns` runs all failed. */
    pollFailures: z
      .object({ enabled: on, consecutiveRuns: z.number().int().min(1).max(1000).default(3) })
      .default({ enabled: true, consecutiveRuns: 3 }),
    /** An extension's circuit breaker not closed. */
    breakerOpen: z.object({ enabled: on }).default({ enabled: true }),
    /** Projection lag; evaluated only where `tributary_projection_lag_seconds` is reported. */
    projectionLag: z
      .object({ enabled: on, seconds: z.number().int().min(1).default(300) })
      .default({ enabled: true, seconds: 300 }),
  })
  .strict()
  .openapi("AlertRules");

/** A workspace's alert rules, defaults filled in. */
export type AlertRules = z.infer<typeof AlertRulesSchema>;

/** The rule names, as stored in alert states and alerts. */
export const RULE_NAMES = [
  "rejection_rate",
  "source_silence",
  "dead_letters",
  "queue_backlog",
  "poll_failures",
  "breaker_open",
  "projection_lag",
] as const;

/** A rule's name. */
export type RuleName = (typeof RULE_NAMES)[number];

/** The default rules. */
export function defaultRules(): AlertRules {
  return AlertRulesSchema.parse({});
}

/** Stored rules, read leniently: a row that no longer parses (an older shape) falls back to the defaults. */
export function rulesFrom(stored: unknown): AlertRules {
  const parsed = AlertRulesSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : defaultRules();
}
