import type { CanonicalEvent } from "../events/event";
import { definitionSet, definitionsGuard } from "./cache";
import type { IndicatorDefinition } from "./definitions";
import { contributionOf, type IndicatorInput } from "./evaluate";

/**
 * The statements that keep a workspace's activity indicators current for one newly stored event: one
 * contribution row per matching indicator, written only if the definitions used are still current
 * (otherwise the statement fails, the batch rolls back, and the retry reads them again). Called by
 * the identity graph inside the same D1 batch as the event insert, so a redelivered event (whose
 * insert fails the batch on the unique key) never counts twice.
 *
 * Indicator values are not kept as running totals: they are aggregated at read time over the
 * contributions of the profile's events, which makes out-of-order events, sliding windows and merges
 * (events move to the survivor, their contributions follow) correct without any extra write.
 */
export async function indicatorStatements(
  db: D1Database,
  event: CanonicalEvent,
  eventRowId: string,
): Promise<D1PreparedStatement[]> {
  return indicatorRunStatements(db, [{ event, eventRowId }]);
}

/**
 * {@link indicatorStatements} for several newly stored events of one workspace at once: their
 * contribution rows together in one statement, or a single definitions
 * guard when none of them counts for any indicator (instead of one guard per event).
 */
export async function indicatorRunStatements(
  db: D1Database,
  events: readonly { event: CanonicalEvent; eventRowId: string }[],
): Promise<D1PreparedStatement[]> {
  const first = events[0];
  if (!first) return [];
  const { definitions, fingerprint } = await definitionSet(db, first.event.workspace);
  const rows = events.flatMap(({ event, eventRowId }) => contributionRows(eventRowId, definitions, event));
  const workspace = first.event.workspace;
  if (rows.length === 0) return [definitionsGuard(db, workspace, fingerprint)];
  // Rows go in as one JSON parameter (json_each), so any number of them is one statement; the guard
  // is the insert's WHERE, so it costs no statement of its own against D1's per-invocation query limit.
  return [
    db
      .prepare(
        `INSERT OR REPLACE INTO indicator_contributions (event_id, indicator_id, version, num, value)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
           json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?1)
         WHERE (SELECT CASE WHEN f = ?2 THEN 1 ELSE json('indicator definitions changed at ' || f) END
                FROM (SELECT coalesce(sum(version), 0) AS f FROM indicator_definitions WHERE workspace = ?3))`,
      )
      .bind(JSON.stringify(rows), fingerprint, workspace),
  ];
}

/** [event id, indicator id, version, num, value] for each definition the event counts for. */
function contributionRows(
  eventRowId: string,
  definitions: readonly IndicatorDefinition[],
  event: IndicatorInput,
): unknown[][] {
  const rows: unknown[][] = [];
  for (const definition of definitions) {
    const contribution = contributionOf(definition, event);
    if (contribution)
      rows.push([eventRowId, definition.id, definition.version, contribution.num, contribution.value]);
  }
  return rows;
}

/** A stored event as the recompute and the async-enrichment path read it (JSON columns as text). */
export interface StoredEventRow {
  id: string;
  type: string;
  source_id: string;
  traits: string;
  properties: string;
}

/**
 * Rewrites the contribution of a stored event to one definition, but only if the event's traits and
 * properties are still the text that was read: an async enrichment that changed the event meanwhile
 * writes the contributions itself (after its change), so a stale rewrite must not overwrite them.
 */
export function rewriteContribution(
  db: D1Database,
  definition: IndicatorDefinition,
  row: StoredEventRow,
): D1PreparedStatement {
  const unchanged = "EXISTS (SELECT 1 FROM events WHERE id = ? AND traits = ? AND properties = ?)";
  const contribution = contributionOf(definition, {
    type: row.type,
    sourceId: row.source_id,
    traits: JSON.parse(row.traits) as Record<string, unknown>,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
  });
  if (!contribution)
    return db
      .prepare(`DELETE FROM indicator_contributions WHERE event_id = ? AND indicator_id = ? AND ${unchanged}`)
      .bind(row.id, definition.id, row.id, row.traits, row.properties);
  return db
    .prepare(
      `INSERT OR REPLACE INTO indicator_contributions (event_id, indicator_id, version, num, value)
       SELECT ?, ?, ?, ?, ? WHERE ${unchanged}`,
    )
    .bind(
      row.id,
      definition.id,
      definition.version,
      contribution.num,
      contribution.value,
      row.id,
      row.traits,
      row.properties,
    );
}
