import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * An activity indicator definition of one workspace: an aggregate of an event field over event types,
 * with an optional condition, over all time or a sliding window. `version` grows on every change;
 * contributions of an older version are ignored, and a recompute (progress in `recompute_*`) rewrites
 * them from the stored events. Times are epoch milliseconds.
 */
export const indicatorDefinitions = sqliteTable(
  "indicator_definitions",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    name: text("name").notNull(),
    aggregate: text("aggregate").notNull(),
    /** Event field path (`properties.amount`, `traits.plan`); null for a plain count of events. */
    field: text("field"),
    /** Event types counted (exact, or a prefix ending in `*`); null means every type. */
    eventTypes: text("event_types", { mode: "json" }).$type<string[] | null>(),
    conditions: text("conditions", { mode: "json" }).notNull().$type<unknown[]>(),
    /** Sliding window length; null means all time. */
    windowMs: integer("window_ms"),
    version: integer("version").notNull(),
    /** recomputing | current */
    status: text("status").notNull(),
    /** Last event id processed by the running recompute (events are walked in id order). */
    recomputeCursor: text("recompute_cursor"),
    recomputeDone: integer("recompute_done").notNull().default(0),
    recomputeTotal: integer("recompute_total").notNull().default(0),
    recomputeStartedAt: integer("recompute_started_at"),
    recomputeFinishedAt: integer("recompute_finished_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("indicator_definitions_name_uq").on(t.workspace, t.name)],
);

/**
 * What one stored event contributes to one indicator: `num` (the field as a number, for sum, min, max,
 * average) and `value` (the field as JSON, for first, last, distinct count). A row exists only when the
 * event matches the definition. There is deliberately no profile column: the profile is the event's
 * (events.profile_id), so a merge, which moves the events, moves their contributions with them.
 */
export const indicatorContributions = sqliteTable(
  "indicator_contributions",
  {
    eventId: text("event_id").notNull(),
    indicatorId: text("indicator_id").notNull(),
    version: integer("version").notNull(),
    num: real("num"),
    value: text("value"),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.indicatorId] }),
    index("indicator_contributions_indicator_idx").on(t.indicatorId),
  ],
);
