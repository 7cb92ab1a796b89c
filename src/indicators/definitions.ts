import { z } from "@hono/zod-openapi";
import { type Condition, ConditionSchema } from "../events/conditions";

/** The aggregates an activity indicator can compute. */
export const AGGREGATES = [
  "count",
  "sum",
  "min",
  "max",
  "average",
  "first",
  "last",
  "distinct_count",
] as const;

/** One of {@link AGGREGATES}. */
export type Aggregate = (typeof AGGREGATES)[number];

/** Aggregates over numbers: an event whose field is not a number (or numeric string) does not count. */
export const NUMERIC_AGGREGATES: ReadonlySet<Aggregate> = new Set(["sum", "min", "max", "average"]);

/** An indicator name: how it appears on the profile and in extension conditions (`indicators.<name>`). */
export const IndicatorNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "lower-case letters, digits and _, starting with a letter");

/** An event-only condition: indicators cannot be defined in terms of other indicators. */
const EventConditionSchema = ConditionSchema.refine((c) => !c.field.startsWith("indicators."), {
  message: "indicator conditions test event fields, not other indicators",
});

/** The computation of an indicator: what changes it and therefore needs a recompute. */
export const IndicatorComputationSchema = z.object({
  aggregate: z.enum(AGGREGATES),
  /** Event field aggregated (`properties.hours`); optional for count (then: events that match). */
  field: z
    .string()
    .max(256)
    .regex(/^(properties|traits)(\.[^.\s]+)+$/, "properties.<path> or traits.<path>")
    .optional(),
  /** Event types counted: exact types or prefixes ending in `*`; omitted means every type. */
  eventTypes: z.array(z.string().min(1).max(128)).min(1).max(50).optional(),
  /** All must hold for an event to count. */
  conditions: z.array(EventConditionSchema).max(20).default([]),
  /** Sliding window in days (the event's own time against now); omitted means all time. */
  windowDays: z.number().int().min(1).max(3650).optional(),
});

/** POST /v1/admin/indicators body. */
export const CreateIndicatorSchema = IndicatorComputationSchema.extend({
  workspace: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
    .default("default"),
  name: IndicatorNameSchema,
})
  .refine((d) => d.aggregate === "count" || d.field, {
    message: "this aggregate needs a field",
    path: ["field"],
  })
  .openapi("CreateIndicator");

/** POST /v1/admin/indicators body. */
export type CreateIndicator = z.infer<typeof CreateIndicatorSchema>;

/** PATCH /v1/admin/indicators/{id} body: any field given replaces the stored one. */
export const UpdateIndicatorSchema = z
  .object({
    name: IndicatorNameSchema.optional(),
    aggregate: z.enum(AGGREGATES).optional(),
    field: IndicatorComputationSchema.shape.field.nullable(),
    eventTypes: IndicatorComputationSchema.shape.eventTypes.nullable(),
    conditions: z.array(EventConditionSchema).max(20).optional(),
    windowDays: IndicatorComputationSchema.shape.windowDays.nullable(),
  })
  .partial()
  .openapi("UpdateIndicator");

/** PATCH /v1/admin/indicators/{id} body. */
export type UpdateIndicator = z.infer<typeof UpdateIndicatorSchema>;

/** A stored definition as the pipeline uses it. Times are epoch ms. */
export interface IndicatorDefinition {
  id: string;
  workspace: string;
  name: string;
  aggregate: Aggregate;
  field: string | null;
  eventTypes: string[] | null;
  conditions: Condition[];
  windowMs: number | null;
  version: number;
  status: "recomputing" | "current" | "deleted";
}

/** Milliseconds in a day: windows are given in days. */
export const DAY_MS = 86_400_000;
