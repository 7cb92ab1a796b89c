import { z } from "@hono/zod-openapi";
import { ConditionSchema } from "../../../events/conditions";
import { AGGREGATES, DAY_MS } from "../../../indicators/definitions";
import type { IndicatorRecord } from "../../../indicators/store";

/** An activity indicator definition with its recompute progress. */
export const IndicatorSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    name: z.string(),
    aggregate: z.enum(AGGREGATES),
    field: z.string().nullable(),
    eventTypes: z.array(z.string()).nullable(),
    conditions: z.array(ConditionSchema),
    windowDays: z.number().nullable(),
    version: z.number().int(),
    status: z.enum(["recomputing", "current"]),
    recompute: z.object({
      done: z.number().int().openapi({ description: "Stored events processed so far" }),
      total: z
        .number()
        .int()
        .openapi({ description: "Stored events of the workspace when the recompute started" }),
      percent: z.number(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Indicator");

/** An activity indicator definition as the admin API shows it. */
export type IndicatorView = z.infer<typeof IndicatorSchema>;

/** Shapes a stored definition for the API. */
export function indicatorView(record: IndicatorRecord): IndicatorView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const { done, total } = record.recompute;
  return {
    id: record.id,
    workspace: record.workspace,
    name: record.name,
    aggregate: record.aggregate,
    field: record.field,
    eventTypes: record.eventTypes,
    conditions: record.conditions,
    windowDays: record.windowMs === null ? null : record.windowMs / DAY_MS,
    version: record.version,
    status: record.status === "recomputing" ? "recomputing" : "current",
    recompute: {
      done,
      total,
      // Events stored while it runs are counted live, so `done` can pass `total`.
      percent:
        record.status === "recomputing"
          ? Math.min(99, total === 0 ? 0 : Math.floor((done / total) * 100))
          : 100,
      startedAt: iso(record.recompute.startedAt),
      finishedAt: iso(record.recompute.finishedAt),
    },
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

/** Path parameter of the single-indicator routes. */
export const IndicatorIdParamSchema = z.object({ indicatorId: z.string().min(1).max(64) });

/** Query of the list route. */
export const WorkspaceQuerySchema = z.object({
  workspace: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
    .default("default"),
});
