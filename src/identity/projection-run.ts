import { newId } from "../lib/ids";
import type { DerivedState } from "./derived-state";
import type { EventChange } from "./projection";
import { traitUpsertSql } from "./trait-upsert";
import { eventRow } from "./writes";

/**
 * Characters of row JSON one statement binds before the rows go on in another statement: well below
 * D1's 2 MB limit on a bound value, whatever the events' properties weigh.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
const JSON_CHARS_PER_STATEMENT = 600_000;

/** Type and value of an existing identifier, from a json_each row `j` of [type, value, …]. */
const EXISTING_IDENTIFIER = "json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]')";

/**
 * The guard that makes an identifier "upsert" an update only: the row exists (found by the unique
 * key; the DO UPDATE then always applies, the insert never does).
 */
const IDENTIFIER_EXISTS = `EXISTS (SELECT 1 FROM identifiers i WHERE i.workspace = ?1
  AND i.type = json_extract(j.value, '$[0]') AND i.value = json_extract(j.value, '$[1]'))`;

/** `json_extract(value, '$[i]')` for from ≤ i < to: columns of one row of a json_each array of arrays. */
const columns = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `json_extract(value, '$[${from + i}]')`).join(", ");

/**
 * Whether an event change can go in a run ({@link runStatements}): one that merged nothing. A merge
 * moves identifiers, traits and events between profiles, which later changes of the run may depend
 * on, so it keeps its own statements, in order (projection.ts).
 */
export function isPlainEvent(change: { kind: string }): change is EventChange {
  return (
    change.kind === "event" && (change as EventChange).merges.length === 0 && fitsInRun(change as EventChange)
  );
}

/**
 * Bytes of an event's own JSON (identifiers, traits, properties) above which it is projected on its
 * own: a run binds each row as JSON inside JSON, which escapes quotes and backslashes a second time,
 * and one row that grew past D1's 2,000,000-byte limit on a bound value would stop the projection.
 * Statement by statement, each field is bound once.
 */
const RUN_EVENT_BYTES = 256 * 1024;

function fitsInRun(change: EventChange): boolean {
  const { identifiers, traits, properties } = change.event;
  return (
    JSON.stringify(identifiers).length + JSON.stringify(traits).length + JSON.stringify(properties).length <=
    RUN_EVENT_BYTES
  );
}

/**
 * The D1 statements of a run of plain event changes (no merge, release or erasure among them), in
 * the order they were made: a few multi-row statements (rows bound as JSON, read with json_each)
 * instead of some ten per event, with the same end state as projecting the changes one by one
 * (projectionStatements), because what each kind of row receives does not depend on the order
 * within the run once aggregated here:
 * - events, created profiles, claimed identifiers, flags: plain inserts (at most one claim per value);
 * - seen windows: min/max of the events' times per identifier; link counts: the sum of the deltas;
 * - traits: the last-writer-wins upsert by (occurred_at, event id), applied row by row;
 * - profiles' `updated_at`: the time of the last event of the run that found the profile existing;
 * - quarantine: first insert wins (ON CONFLICT DO NOTHING), rows kept in run order.
 * Then each module in `derived`: its `runStatements` when it has them, else its per-event statements.
 * Idempotency stays with the batch's version guard (projection.ts), which the caller puts first.
 */
export async function runStatements(
  db: D1Database,
  workspace: string,
  run: readonly EventChange[],
  derived: readonly DerivedState[],
): Promise<D1PreparedStatement[]> {
  const profiles: unknown[][] = [];
  const events: unknown[][] = [];
  const claims: unknown[][] = [];
  const seen = new Map<string, [string, string, number, number]>();
  const links = new Map<string, [string, string, number]>();
  const traits: unknown[][] = [];
  const touched = new Map<string, number>();
  const flags: unknown[][] = [];
  const quarantine: unknown[][] = [];
  for (const change of run) {
    const { event, eventRowId, profileId, at } = change;
    if (change.created) profiles.push([profileId, at]);
    else touched.set(profileId, at);
    events.push(eventRow(event, eventRowId, profileId, change.warnings));
    for (const c of change.fresh)
      claims.push([c.type, c.value, profileId, c.raw, event.sourceId, event.occurredAt]);
    for (const c of change.owned) {
      const key = JSON.stringify([c.type, c.value]);
      const window = seen.get(key);
      if (window) {
        window[2] = Math.min(window[2], event.occurredAt);
        window[3] = Math.max(window[3], event.occurredAt);
      } else seen.set(key, [c.type, c.value, event.occurredAt, event.occurredAt]);
    }
    if (change.links) {
      // One event adds its delta once per identifier, however often the list names it (an IN list).
      const keys = new Set(change.links.identifiers.map((c) => JSON.stringify([c.type, c.value])));
      for (const key of keys) {
        const [type, value] = JSON.parse(key) as [string, string];
        const sum = links.get(key) ?? [type, value, 0];
        sum[2] += change.links.delta;
        links.set(key, sum);
      }
    }
    for (const [name, value] of change.traits)
      traits.push([profileId, name, value, event.occurredAt, eventRowId, event.sourceId]);
    for (const f of change.flags)
      flags.push([
        newId("flg"),
        f.kind,
        f.identifier?.type ?? null,
        f.identifier?.value ?? null,
        JSON.stringify(f.profileIds),
        eventRowId,
        f.rule,
        f.detail,
        at,
      ]);
    for (const q of change.quarantined)
      quarantine.push([q.identifier.type, q.identifier.value, q.linkedProfiles, eventRowId, at]);
  }

  const statements: D1PreparedStatement[] = [];
  const add = (sql: string, rows: readonly unknown[][]) => {
    for (const json of jsonChunks(rows)) statements.push(db.prepare(sql).bind(workspace, json));
  };
  add(
    `INSERT INTO profiles (id, workspace, merge_count, created_at, updated_at)
     SELECT json_extract(value, '$[0]'), ?1, 0, json_extract(value, '$[1]'), json_extract(value, '$[1]')
     FROM json_each(?2)`,
    profiles,
  );
  add(
    `INSERT INTO events (id, workspace, source_id, event_key, delivery_id, profile_id, type, occurred_at,
       received_at, identifiers, traits, properties, warnings)
     SELECT json_extract(value, '$[0]'), ?1, ${columns(2, 13)}
     FROM json_each(?2)`,
    events,
  );
  add(
    `INSERT INTO identifiers (workspace, type, value, profile_id, raw_value, source_id, first_seen_at, last_seen_at, link_count)
     SELECT ?1, ${columns(0, 6)}, json_extract(value, '$[5]'), 0 FROM json_each(?2)`,
    claims,
  );
  // Updates of existing rows by a JSON list go in as upserts that can only conflict (EXISTS), not as
  // UPDATE … FROM json_each: for that join SQLite's planner puts the table outside, searched by
  // workspace alone, and json_each inside, so each statement read every identifier (and profile) of
  // the workspace once per listed row, and the projection slowed down as the workspace grew. An
  // INSERT … SELECT walks the list and finds each row by its unique key (the plans are checked in
  // test/identity/projection-run.test.ts).
  add(
    `INSERT INTO identifiers (workspace, type, value, profile_id, raw_value, first_seen_at, last_seen_at)
     SELECT ?1, ${EXISTING_IDENTIFIER}, '', '', json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]')
     FROM json_each(?2) AS j WHERE ${IDENTIFIER_EXISTS}
     ON CONFLICT (workspace, type, value) DO UPDATE SET
       first_seen_at = min(first_seen_at, excluded.first_seen_at), last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
    [...seen.values()],
  );
  add(
    `INSERT INTO identifiers (workspace, type, value, profile_id, raw_value, first_seen_at, link_count)
     SELECT ?1, ${EXISTING_IDENTIFIER}, '', '', 0, json_extract(j.value, '$[2]')
     FROM json_each(?2) AS j WHERE ${IDENTIFIER_EXISTS}
     ON CONFLICT (workspace, type, value) DO UPDATE SET link_count = link_count + excluded.link_count`,
    [...links.values()],
  );
  // ?1 (the workspace) is bound for every statement alike; statements that do not need it test it.
  add(traitUpsertSql(`SELECT ${columns(0, 6)} FROM json_each(?2) WHERE ?1 IS NOT NULL`), traits);
  add(
    `INSERT INTO profiles (id, workspace, merge_count, created_at, updated_at)
     SELECT json_extract(j.value, '$[0]'), ?1, 0, 0, json_extract(j.value, '$[1]') FROM json_each(?2) AS j
     WHERE EXISTS (SELECT 1 FROM profiles p WHERE p.id = json_extract(j.value, '$[0]') AND p.workspace = ?1)
     ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`,
    [...touched],
  );
  add(
    `INSERT INTO identity_flags (id, workspace, kind, identifier_type, identifier_value, profile_ids, event_id, rule, detail, created_at)
     SELECT json_extract(value, '$[0]'), ?1, ${columns(1, 9)}
     FROM json_each(?2)`,
    flags,
  );
  add(
    `INSERT INTO identifier_quarantine (workspace, type, value, linked_profiles, event_id, created_at)
     SELECT ?1, ${columns(0, 5)} FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING`,
    quarantine,
  );
  for (const state of derived) {
    if (state.runStatements)
      statements.push(
        ...(await state.runStatements(
          db,
          run.map((c) => ({ event: c.event, eventRowId: c.eventRowId })),
        )),
      );
    else if (state.eventStatements)
      for (const c of run) statements.push(...(await state.eventStatements(db, c.event, c.eventRowId)));
  }
  return statements;
}

/** `rows` as JSON arrays of at most {@link JSON_CHARS_PER_STATEMENT} characters each (none when empty). */
function jsonChunks(rows: readonly unknown[][]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (current.length > 0 && chars + text.length > JSON_CHARS_PER_STATEMENT) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      chars = 0;
    }
    current.push(text);
    chars += text.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}
