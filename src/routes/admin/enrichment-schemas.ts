import { z } from "@hono/zod-openapi";
import { AGGREGATES } from "../../indicators/definitions";

/** An activity indicator's value on a profile. */
export const IndicatorValueSchema = z
  .object({
    value: z
      .unknown()
      .openapi({ description: "Number, or the field's value for first/last; null when no event counts" }),
    aggregate: z.enum(AGGREGATES),
    windowDays: z.number().optional(),
    status: z
      .enum(["current", "recomputing"])
      .openapi({ description: "recomputing: partial while a change is applied" }),
  })
  .openapi("IndicatorValue");

/** An async enrichment still out for one of the profile's events. */
export const PendingEnrichmentSchema = z
  .object({
    extensionId: z.string(),
    extension: z.string(),
    eventId: z.string(),
    provides: z.array(z.string()),
    since: z.string(),
    attempts: z.number().int(),
    lastError: z.string().optional(),
  })
  .openapi("PendingEnrichment");

/** The enrichment part of a profile: spread into the profile schema. */
export const ProfileEnrichmentSchema = z.object({
  indicators: z.record(z.string(), IndicatorValueSchema),
  pendingEnrichments: z.array(PendingEnrichmentSchema),
});
