import { storedJson } from "../lib/stored";
import { definitionSet } from "./cache";
import { DAY_MS, type IndicatorDefinition } from "./definitions";

/** An indicator's value on a profile as operators see it. */
export interface IndicatorValue {
  /** Number for count/sum/min/max/average/distinct_count; the field's value for first/last; null when no event counts. */
  value: unknown;
  aggregate: IndicatorDefinition["aggregate"];
  /** Sliding window in days; absent for all time. */
  windowDays?: number;
  /** `recomputing` while a definition change is being applied to stored events: the value is partial. */
  status: "current" | "recomputing";
}

/** Indicator name → its value on one profile. */
export type IndicatorValues = Record<string, IndicatorValue>;

interface AggregateRow {
  id: string;
  n: number;
  total: number;
  nn: number;
  mn: number | null;
  mx: number | null;
  dn: number;
}

/** D1's bound-parameter limit leaves room for this many profile ids next to the other parameters. */
const MAX_PROFILES = 90;

/**
 * The activity indicators of the profile made of `profileIds` (one live profile, or several about to be
 * merged, which gives the merged values) at time `now` (epoch ms, for sliding windows). Aggregates
 * run over the contributions of the profiles' events, newest definition version only, so the value is
 * exact whatever order the events arrived in. `names` limits which indicators are read.
 */
export async function readIndicators(
  db: D1Database,
  workspace: string,
  profileIds: readonly string[],
  options: { now?: number; names?: readonly string[] } = {},
): Promise<IndicatorValues> {
  const now = options.now ?? Date.now();
  const { definitions: all } = await definitionSet(db, workspace, now);
  const definitions = options.names ? all.filter((d) => options.names!.includes(d.name)) : all;
  if (definitions.length === 0) return {};
  const ids = profileIds.slice(0, MAX_PROFILES);
  const values: IndicatorValues = {};
  for (const d of definitions) values[d.name] = view(d, empty(d));
  if (ids.length === 0) return values;

  const inProfiles = ids.map(() => "?").join(",");
  const ordered = definitions.filter((d) => d.aggregate === "first" || d.aggregate === "last");
  const [aggregates, ...edges] = await db.batch([
    db
      .prepare(
        `SELECT c.indicator_id AS id, count(*) AS n, total(c.num) AS total, count(c.num) AS nn,
           min(c.num) AS mn, max(c.num) AS mx, count(DISTINCT c.value) AS dn
         FROM events e
         JOIN indicator_contributions c ON c.event_id = e.id
         JOIN indicator_definitions d ON d.id = c.indicator_id AND d.version = c.version
         WHERE e.profile_id IN (${inProfiles}) AND (d.window_ms IS NULL OR e.occurred_at >= ? - d.window_ms)
         GROUP BY c.indicator_id`,
      )
      .bind(...ids, now),
    ...ordered.map((d) => {
      const direction = d.aggregate === "first" ? "ASC" : "DESC";
      return db
        .prepare(
          `SELECT c.value AS value FROM events e
           JOIN indicator_contributions c ON c.event_id = e.id AND c.indicator_id = ? AND c.version = ?
           WHERE e.profile_id IN (${inProfiles}) AND e.occurred_at >= ?
           ORDER BY e.occurred_at ${direction}, e.id ${direction} LIMIT 1`,
        )
        .bind(d.id, d.version, ...ids, d.windowMs === null ? Number.MIN_SAFE_INTEGER : now - d.windowMs);
    }),
  ]);
  const byId = new Map((aggregates!.results as unknown as AggregateRow[]).map((r) => [r.id, r]));
  for (const d of definitions) {
    const row = byId.get(d.id);
    if (row) values[d.name] = view(d, finalValue(d, row));
  }
  ordered.forEach((d, i) => {
    const row = edges[i]!.results[0] as { value: string | null } | undefined;
    if (row?.value != null) values[d.name] = view(d, storedJson(row.value, row.value));
  });
  return values;
}

function finalValue(d: IndicatorDefinition, row: AggregateRow): unknown {
  switch (d.aggregate) {
    case "count":
      return row.n;
    case "sum":
      return row.total;
    case "min":
      return row.mn;
    case "max":
      return row.mx;
    case "average":
      return row.nn > 0 ? row.total / row.nn : null;
    case "distinct_count":
      return row.dn;
    default:
      return null;
  }
}

function empty(d: IndicatorDefinition): unknown {
  return d.aggregate === "count" || d.aggregate === "sum" || d.aggregate === "distinct_count" ? 0 : null;
}

function view(d: IndicatorDefinition, value: unknown): IndicatorValue {
  return {
    value,
    aggregate: d.aggregate,
    ...(d.windowMs !== null ? { windowDays: d.windowMs / DAY_MS } : {}),
    status: d.status === "recomputing" ? "recomputing" : "current",
  };
}
