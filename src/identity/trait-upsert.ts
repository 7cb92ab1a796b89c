/**
 * The one SQL statement shape that writes profile traits, last-writer-wins by (occurred_at, event_id):
 * `INSERT INTO traits (...) <select> ON CONFLICT (profile_id, name) DO UPDATE ... WHERE newer`. Used by
 * event application and merges (src/identity/writes.ts) and by async enrichment answers
 * (src/enrichment/async-jobs.ts), so the rule that makes traits independent of arrival order
 * (invariant 4) has one owner.
 *
 * `select` yields the columns (profile_id, name, value, occurred_at, event_id, source_id) and must end
 * with a WHERE clause (SQLite needs one before ON CONFLICT in an INSERT ... SELECT; `WHERE true` will do).
 *
 * The comparison is `>=`: the (occurred_at, event_id) pair identifies one event, so an equal pair is
 * the same event writing again, which may replace the values it set itself (its async enrichment
 * answers after the event was applied); any other event wins only when it is strictly newer.
 */
export function traitUpsertSql(select: string): string {
  return `INSERT INTO traits (profile_id, name, value, occurred_at, event_id, source_id)
    ${select}
    ON CONFLICT (profile_id, name) DO UPDATE SET value = excluded.value, occurred_at = excluded.occurred_at,
      event_id = excluded.event_id, source_id = excluded.source_id
    WHERE (excluded.occurred_at, excluded.event_id) >= (traits.occurred_at, traits.event_id)`;
}
