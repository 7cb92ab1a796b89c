import type { CanonicalEvent } from "../events/event";
import { newId } from "../lib/ids";
import { pairsJson } from "./graph-state";
import type { Candidate } from "./resolve";
import { traitUpsertSql } from "./trait-upsert";

// Statement builders for the identity graph's D1 batch. Lists go in as one JSON parameter through
// json_each, so no statement comes near D1's limit of 100 bound parameters, whatever the list size.
const PAIRS = (n: number) =>
  `SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?${n})`;

/**
 * The values of a stored event's row, in the column order of {@link insertEvent} (id, workspace,
 * source, event key, delivery, profile, type, occurred/received at (epoch ms), then identifiers,
 * traits, properties and warnings as JSON text). projection-run.ts binds many of them as one JSON list.
 */
export function eventRow(
  event: CanonicalEvent,
  eventRowId: string,
  profileId: string,
  warnings: readonly string[],
): unknown[] {
  return [
    eventRowId,
    event.workspace,
    event.sourceId,
    event.eventKey,
    event.deliveryId,
    profileId,
    event.type,
    event.occurredAt,
    event.receivedAt,
    JSON.stringify(event.identifiers),
    JSON.stringify(event.traits),
    JSON.stringify(event.properties),
    JSON.stringify(warnings),
  ];
}

/** Inserts the stored event. Its unique key (workspace, source, event key) is the batch's dedupe claim. */
export function insertEvent(
  db: D1Database,
  event: CanonicalEvent,
  eventRowId: string,
  profileId: string,
  warnings: readonly string[],
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO events (id, workspace, source_id, event_key, delivery_id, profile_id, type, occurred_at,
         received_at, identifiers, traits, properties, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    )
    .bind(...eventRow(event, eventRowId, profileId, warnings));
}

/** Creates a profile. */
export function insertProfile(
  db: D1Database,
  id: string,
  workspace: string,
  now: number,
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO profiles (id, workspace, merge_count, created_at, updated_at) VALUES (?,?,0,?,?)")
    .bind(id, workspace, now, now);
}

/**
 * Claims identifiers nobody owns for `profileId`. No ON CONFLICT: under the single writer a conflict
 * means the snapshot was wrong, and failing the batch (then retrying) beats attaching an event to a
 * profile without its identifier. First and last seen are both the event's time (not the receipt
 * time), so a backfilled or late event never shows a first sighting after the last one.
 */
export function claimIdentifiers(
  db: D1Database,
  event: CanonicalEvent,
  profileId: string,
  fresh: readonly Candidate[],
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO identifiers (workspace, type, value, profile_id, raw_value, source_id, first_seen_at, last_seen_at, link_count)
       SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2, json_extract(value, '$[2]'), ?3, ?4, ?5, 0
       FROM json_each(?6)`,
    )
    .bind(
      event.workspace,
      profileId,
      event.sourceId,
      event.occurredAt,
      event.occurredAt,
      JSON.stringify(fresh.map((c) => [c.type, c.value, c.raw])),
    );
}

/**
 * Widens the seen window (event times) of identifiers the event carried: last seen forward, first seen
 * back when events arrive out of order.
 */
export function touchIdentifiers(
  db: D1Database,
  workspace: string,
  owned: readonly Candidate[],
  occurredAt: number,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE identifiers SET last_seen_at = max(last_seen_at, ?3), first_seen_at = min(first_seen_at, ?3) WHERE workspace = ?1 AND (type, value) IN (${PAIRS(2)})`,
    )
    .bind(workspace, pairsJson(owned), occurredAt);
}

/** Adds `delta` to the link count of identifiers that linked (or tried to link) other profiles. */
export function addLinks(
  db: D1Database,
  workspace: string,
  identifiers: readonly Candidate[],
  delta: number,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE identifiers SET link_count = link_count + ?3 WHERE workspace = ?1 AND (type, value) IN (${PAIRS(2)})`,
    )
    .bind(workspace, pairsJson(identifiers), delta);
}

/**
 * Sets traits last-writer-wins by (occurred_at, event id) ({@link traitUpsertSql}): a trait changes only when this event is
 * newer than the one that set it, so the result does not depend on arrival order (invariant 4).
 * `entries` are [name, JSON text of the value].
 */
export function upsertTraits(
  db: D1Database,
  profileId: string,
  event: CanonicalEvent,
  eventRowId: string,
  entries: readonly [string, string][],
): D1PreparedStatement {
  return db
    .prepare(
      traitUpsertSql(
        "SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2, ?3, ?4 FROM json_each(?5) WHERE true",
      ),
    )
    .bind(profileId, event.occurredAt, eventRowId, event.sourceId, JSON.stringify(entries));
}

/** Marks the profile as changed. */
export function touchProfile(db: D1Database, profileId: string, now: number): D1PreparedStatement {
  return db.prepare("UPDATE profiles SET updated_at = ? WHERE id = ?").bind(now, profileId);
}

/**
 * Folds `loser` into `survivor`: identifiers, traits (last-writer-wins across both), events and
 * redirects move to the survivor, the loser becomes a redirect, and the merge is recorded with the
 * identifier and event that caused it and the rule that allowed it.
 */
export function mergeStatements(
  db: D1Database,
  workspace: string,
  survivor: string,
  loser: string,
  via: Candidate,
  eventRowId: string,
  rule: string,
  now: number,
): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE identifiers SET profile_id = ? WHERE profile_id = ?").bind(survivor, loser),
    // Traits keep last-writer-wins across the merge: the loser's value wins only where it is newer.
    db
      .prepare(
        traitUpsertSql(
          "SELECT ?, name, value, occurred_at, event_id, source_id FROM traits WHERE profile_id = ? AND true",
        ),
      )
      .bind(survivor, loser),
    db.prepare("DELETE FROM traits WHERE profile_id = ?").bind(loser),
    db.prepare("UPDATE events SET profile_id = ? WHERE profile_id = ?").bind(survivor, loser),
    // Redirects stay one hop: anything that pointed at the loser now points at the survivor.
    db
      .prepare("UPDATE profiles SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?")
      .bind(survivor, now, loser, loser),
    db
      .prepare(
        "UPDATE profiles SET merge_count = merge_count + 1 + (SELECT merge_count FROM profiles WHERE id = ?) WHERE id = ?",
      )
      .bind(loser, survivor),
    db
      .prepare(
        `INSERT INTO merges (id, workspace, survivor_id, merged_id, identifier_type, identifier_value, event_id, rule, created_at)
         VALUES (?,?,?,?,?,?,?,?,?)`,
      )
      .bind(newId("mrg"), workspace, survivor, loser, via.type, via.value, eventRowId, rule, now),
  ];
}

/** Kinds of identity decisions an operator may review. */
export type FlagKind = "identifier_dropped" | "merge_refused" | "quarantined";

/** A review flag to record. */
export interface Flag {
  kind: FlagKind;
  identifier?: { type: string; value: string };
  profileIds: readonly string[];
  rule: string;
  detail: string;
}

/** Records review flags of one event. */
export function insertFlags(
  db: D1Database,
  workspace: string,
  eventRowId: string,
  flags: readonly Flag[],
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO identity_flags (id, workspace, kind, identifier_type, identifier_value, profile_ids, event_id, rule, detail, created_at)
       SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), json_extract(value, '$[2]'),
         json_extract(value, '$[3]'), json_extract(value, '$[4]'), ?2, json_extract(value, '$[5]'),
         json_extract(value, '$[6]'), ?3
       FROM json_each(?4)`,
    )
    .bind(
      workspace,
      eventRowId,
      now,
      JSON.stringify(
        flags.map((f) => [
          newId("flg"),
          f.kind,
          f.identifier?.type ?? null,
          f.identifier?.value ?? null,
          JSON.stringify(f.profileIds),
          f.rule,
          f.detail,
        ]),
      ),
    );
}

/** Quarantines values: they stop matching and merging until released. */
export function insertQuarantine(
  db: D1Database,
  workspace: string,
  eventRowId: string,
  entries: readonly { identifier: Candidate; linkedProfiles: number }[],
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO identifier_quarantine (workspace, type, value, linked_profiles, event_id, created_at)
       SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?2, ?3
       FROM json_each(?4) WHERE true ON CONFLICT DO NOTHING`,
    )
    .bind(
      workspace,
      eventRowId,
      now,
      JSON.stringify(entries.map((e) => [e.identifier.type, e.identifier.value, e.linkedProfiles])),
    );
}
