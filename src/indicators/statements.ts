import type { CanonicalEvent } from "../pipeline/event";
import { definitionSet, definitionsGuard } from "./cache";
import type { IndicatorDefinition } from "./definitions";
import { contributionOf, type IndicatorInput } from "./evaluate";

/** D1 allows at most 100 bound parameters per statement; a contribution row binds 5. */
const ROWS_PER_INSERT = 20;

/**
 * The statements that keep a workspace's activity indicators current for one newly stored event: a
 * guard that the definitions used are still current, then one contribution row per matching
 * indicator. Called by the identity graph inside the same D1 batch as the event insert, so a
 * redelivered event (whose insert fails the batch on the unique key) never counts twice.
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
  const { definitions, fingerprint } = await definitionSet(db, event.workspace);
  return [
    definitionsGuard(db, event.workspace, fingerprint),
    ...insertContributions(db, eventRowId, definitions, event),
  ];
}

/** INSERT OR REPLACE statements for the contributions of one event to `definitions` (may be none). */
export function insertContributions(
  db: D1Database,
  eventRowId: string,
  definitions: readonly IndicatorDefinition[],
  event: IndicatorInput,
): D1PreparedStatement[] {
  const rows: unknown[][] = [];
  for (const definition of definitions) {
    const contribution = contributionOf(definition, event);
    if (contribution)
      rows.push([eventRowId, definition.id, definition.version, contribution.num, contribution.value]);
  }
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    statements.push(
      db
        .prepare(
          `INSERT OR REPLACE INTO indicator_contributions (event_id, indicator_id, version, num, value) VALUES ${chunk
            .map(() => "(?,?,?,?,?)")
            .join(",")}`,
        )
        .bind(...chunk.flat()),
    );
  }
  return statements;
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
