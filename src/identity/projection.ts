import type { CanonicalEvent } from "../events/event";
import type { DerivedState } from "./derived-state";
import type { Candidate } from "./resolve";
import {
  addLinks,
  claimIdentifiers,
  type Flag,
  insertEvent,
  insertFlags,
  insertProfile,
  insertQuarantine,
  mergeStatements,
  touchIdentifiers,
  touchProfile,
  upsertTraits,
} from "./writes";

/**
 * One change of the identity graph, as the outbox keeps it until it is projected to D1. Written in
 * the same SQLite transaction as the graph change itself, so the projection can neither miss a
 * change nor see one that was rolled back.
 */
export type ProjectedChange = EventChange | ReleaseChange | EraseChange;

/** An applied event: everything D1 needs to store it and update the profile it resolved to. */
export interface EventChange {
  kind: "event";
  event: CanonicalEvent;
  eventRowId: string;
  profileId: string;
  /** The event created `profileId`. */
  created: boolean;
  merges: { profileId: string; via: Candidate }[];
  /** `shared_identifier@v<rules version>`: recorded with each merge. */
  rule: string;
  fresh: Candidate[];
  owned: Candidate[];
  links: { identifiers: Candidate[]; delta: number } | null;
  /** [trait name, JSON text]. */
  traits: [string, string][];
  warnings: string[];
  flags: Flag[];
  quarantined: { identifier: Candidate; linkedProfiles: number }[];
  /** Epoch ms the object applied the event (profile and merge times). */
  at: number;
}

/** A quarantined value released by an operator. */
export interface ReleaseChange {
  kind: "release";
  type: string;
  value: string;
}

/** A profile (and those merged into it) erased from the graph: D1 and R2 follow (erasure.ts). */
export interface EraseChange {
  kind: "erase";
  profileId: string;
  receiptId: string;
  at: number;
}

/**
 * The D1 statements of one change, in order. Event changes reuse the statement builders of
 * writes.ts, followed by the per-event statements of each module in `derived` (derived-state.ts),
 * computed now: indicator contributions against the definitions D1 has at projection time (the
 * definitions guard makes the batch fail, and the drain retry re-read them, if they change in between).
 */
export async function projectionStatements(
  db: D1Database,
  workspace: string,
  change: EventChange | ReleaseChange,
  derived: readonly DerivedState[],
): Promise<D1PreparedStatement[]> {
  if (change.kind === "release")
    return [
      db
        .prepare("DELETE FROM identifier_quarantine WHERE workspace = ? AND type = ? AND value = ?")
        .bind(workspace, change.type, change.value),
      db
        .prepare("UPDATE identifiers SET link_count = 0 WHERE workspace = ? AND type = ? AND value = ?")
        .bind(workspace, change.type, change.value),
    ];
  const { event, eventRowId, profileId, at } = change;
  const statements = [insertEvent(db, event, eventRowId, profileId, change.warnings)];
  if (change.created) statements.push(insertProfile(db, profileId, event.workspace, at));
  for (const merge of change.merges)
    statements.push(
      ...mergeStatements(
        db,
        event.workspace,
        profileId,
        merge.profileId,
        merge.via,
        eventRowId,
        change.rule,
        at,
      ),
    );
  if (change.fresh.length > 0) statements.push(claimIdentifiers(db, event, profileId, change.fresh));
  if (change.owned.length > 0)
    statements.push(touchIdentifiers(db, event.workspace, change.owned, event.occurredAt));
  if (change.links)
    statements.push(addLinks(db, event.workspace, change.links.identifiers, change.links.delta));
  if (change.traits.length > 0)
    statements.push(upsertTraits(db, profileId, event, eventRowId, change.traits));
  if (!change.created) statements.push(touchProfile(db, profileId, at));
  if (change.flags.length > 0)
    statements.push(insertFlags(db, event.workspace, eventRowId, change.flags, at));
  if (change.quarantined.length > 0)
    statements.push(insertQuarantine(db, event.workspace, eventRowId, change.quarantined, at));
  for (const state of derived)
    if (state.eventStatements) statements.push(...(await state.eventStatements(db, event, eventRowId)));
  return statements;
}

/**
 * The first statements of every projection batch: they make the batch apply only if D1's projection
 * of `workspace` stands exactly before `firstSeq`, and move it to `lastSeq`. D1 runs a batch as one
 * transaction, so the version moves if and only if the batch's changes land: a batch whose commit
 * was not acknowledged (the object crashed, or the answer was lost) and is sent again fails here
 * instead of applying twice. The failing branch calls json() on text that is not JSON (SQLite has no
 * RAISE outside triggers), as the indicator definitions guard does.
 */
export function versionGuard(
  db: D1Database,
  workspace: string,
  firstSeq: number,
  lastSeq: number,
  now: number,
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        "INSERT INTO identity_projection (workspace, version, updated_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING",
      )
      .bind(workspace, now),
    db
      .prepare(
        `UPDATE identity_projection SET version = ?3, updated_at = ?4 WHERE workspace = ?1
           AND (CASE WHEN version < ?2 THEN 1 ELSE json('projection already at ' || version) END)`,
      )
      .bind(workspace, firstSeq, lastSeq, now),
  ];
}

/** The version (last outbox sequence number applied) of `workspace`'s projection in D1; 0 when none. */
export async function projectedVersion(db: D1Database, workspace: string): Promise<number> {
  const row = await db
    .prepare("SELECT version FROM identity_projection WHERE workspace = ?")
    .bind(workspace)
    .first<{ version: number }>();
  return row?.version ?? 0;
}
