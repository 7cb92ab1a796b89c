import { workspaceDatabases, workspaceDb } from "../db/workspace-db";
import type { ArchivedEvent } from "../events/archive/format";
import { archiveBucket, objectsOfProfiles, readArchive, rewriteObject } from "../events/archive/store";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { DerivedState, ErasedEvent, ErasureEnv, ErasurePart } from "./derived-state";
import { findLiveProfile } from "./live-profile";

/** What an erasure removed, by kind. */
export interface ErasureCounts {
  profiles: number;
  identifiers: number;
  traits: number;
  events: number;
  merges: number;
  flags: number;
  quarantinedValues: number;
  deadLetters: number;
  payloads: number;
  /** Lines removed from the events archive (R2), in the objects listed in `archive.objects`. */
  archivedEvents: number;
  /** Rows of other modules' per-event state in the workspace's database (indicator contributions, enrichment jobs). */
  derivedRows: number;
}

/**
 * Proof of an erasure (right to be forgotten): ids and counts only, never an erased value. Also
 * stored in `erasure_receipts`. Times are ISO-8601.
 */
export interface ErasureReceipt {
  receiptId: string;
  workspace: string;
  /** The live profile that was erased. */
  profileId: string;
  /** It and every profile merged into it. */
  profileIds: string[];
  deleted: ErasureCounts;
  /** Where the data was: the D1 binding of the workspace's customer data (src/db/workspace-db.ts). */
  database: string;
  /** Archive objects (R2 keys) rewritten without the profile's events, or deleted when nothing was left. */
  archive: { objects: string[] };
  erasedAt: string;
}

/** How the identity projection runs an erasure (outbox.ts). */
export interface ErasureOptions {
  /** Receipt id chosen when the erasure was decided, so a retried projection keeps it. */
  receiptId?: string;
  /** Statements that lead the deleting batch and abort it if it was applied already. */
  guard?: D1PreparedStatement[];
}

/**
 * Erases the live profile `profileId` redirects to, in `workspace`: the profile and the profiles
 * merged into it, their identifiers, traits, events, merges, review flags and quarantined values,
 * and, through `derived` (src/identity/derived-state.ts), what other modules keep about them:
 * indicator contributions, enrichment jobs, dead letters that mention one of its identifier values or
 * carry one of its deliveries, and the stored payloads (R2) of those deliveries. The erased events'
 * keys are kept (not personal data), so a redelivery of one of them is ignored instead of recreating
 * the profile. Events about the person still in the queue, or sent later, create a new profile.
 *
 * Archived events (R2, src/events/archive): every archive object indexed for the profile or one merged
 * into it is rewritten without their lines (deleted when none is left), and the index rows go. The
 * events' identifier values found there also count as the person's, for the dead-letter search.
 *
 * Must run inside the workspace's IdentityResolver (no merge can race it). R2 objects go first: if
 * the D1 batch then fails, running the erasure again finishes the job. Each module's statements join
 * the one D1 batch; what a module does in the default database runs after that batch committed.
 * @returns the receipt, or null when no such profile exists in `workspace`
 */
export async function eraseProfile(
  env: ErasureEnv,
  derived: readonly DerivedState[],
  workspace: string,
  profileId: string,
  now = Date.now(),
  options: ErasureOptions = {},
): Promise<ErasureReceipt | null> {
  // Customer data lives in the workspace's database; other modules' control data (dead letters) in env.DB.
  const db = workspaceDb(env, workspace);
  const live = await findLiveProfile(db, profileId);
  if (!live || live.workspace !== workspace) return null;

  const [family, identifiers, events] = await db.batch([
    db.prepare("SELECT id FROM profiles WHERE id = ?1 OR merged_into = ?1").bind(live.id),
    db.prepare("SELECT type, value, raw_value FROM identifiers WHERE profile_id = ?").bind(live.id),
    db
      .prepare("SELECT id, source_id, delivery_id, event_key, identifiers FROM events WHERE profile_id = ?")
      .bind(live.id),
  ]);
  const profileIds = (family!.results as { id: string }[]).map((r) => r.id);
  const identifierRows = identifiers!.results as { type: string; value: string; raw_value: string }[];
  const eventRows = events!.results as {
    id: string;
    source_id: string;
    delivery_id: string;
    event_key: string;
    identifiers: string;
  }[];

  const needles = new Set<string>();
  for (const i of identifierRows) for (const v of [i.value, i.raw_value]) needles.add(v.trim().toLowerCase());
  for (const e of eventRows)
    for (const i of JSON.parse(e.identifiers) as { value?: unknown }[])
      if (typeof i.value === "string" && i.value.trim() !== "") needles.add(i.value.trim().toLowerCase());
  // Aged-out events have an empty body in D1: their identifier values come from the archive.
  const archiveKeys = await objectsOfProfiles(db, workspace, profileIds);
  const archived = await readArchive(archiveBucket(env), archiveKeys);
  const familyIds = new Set(profileIds);
  const eventIdSet = new Set(eventRows.map((e) => e.id));
  const isTheirs = (line: ArchivedEvent) => familyIds.has(line.profileId) || eventIdSet.has(line.id);
  for (const line of archived.values())
    if (isTheirs(line))
      for (const i of line.identifiers)
        if (typeof i.value === "string" && i.value.trim() !== "") needles.add(i.value.trim().toLowerCase());
  const erasedEvents: ErasedEvent[] = eventRows.map((e) => ({
    id: e.id,
    sourceId: e.source_id,
    deliveryId: e.delivery_id,
    eventKey: e.event_key,
  }));
  const parts: ErasurePart[] = [];
  for (const state of derived)
    if (state.erase)
      parts.push(
        await state.erase(env, {
          workspace,
          db,
          profileIds,
          events: erasedEvents,
          identifierValues: needles,
        }),
      );
  let archivedEvents = 0;
  for (const key of archiveKeys)
    archivedEvents += await rewriteObject(
      archiveBucket(env),
      db,
      key,
      (line) => !isTheirs(line),
      profileIds,
      now,
    );

  const ids = JSON.stringify(profileIds);
  const pairs = JSON.stringify(identifierRows.map((i) => [i.type, i.value]));
  const IN_IDS = "(SELECT value FROM json_each(?1))";
  const PAIRS = (n: number) =>
    `(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?${n}))`;
  const derivedStatements = parts.flatMap((part) => part.statements ?? []);
  const receiptId = options.receiptId ?? newId("era");
  const guard = options.guard ?? [];
  const all = await db.batch([
    ...guard,
    db
      .prepare(
        `INSERT INTO erased_events (workspace, source_id, event_key, erased_at)
         SELECT workspace, source_id, event_key, ?2 FROM events WHERE profile_id IN ${IN_IDS} AND true
         ON CONFLICT DO NOTHING`,
      )
      .bind(ids, now),
    db.prepare(`DELETE FROM events WHERE profile_id IN ${IN_IDS}`).bind(ids),
    db.prepare(`DELETE FROM traits WHERE profile_id IN ${IN_IDS}`).bind(ids),
    db.prepare(`DELETE FROM identifiers WHERE profile_id IN ${IN_IDS}`).bind(ids),
    db.prepare(`DELETE FROM merges WHERE survivor_id IN ${IN_IDS} OR merged_id IN ${IN_IDS}`).bind(ids),
    db
      .prepare(
        `DELETE FROM identity_flags WHERE workspace = ?2 AND (
           EXISTS (SELECT 1 FROM json_each(identity_flags.profile_ids) p WHERE p.value IN ${IN_IDS})
           OR (identifier_type, identifier_value) IN ${PAIRS(3)})`,
      )
      .bind(ids, workspace, pairs),
    db
      .prepare(`DELETE FROM identifier_quarantine WHERE workspace = ?1 AND (type, value) IN ${PAIRS(2)}`)
      .bind(workspace, pairs),
    db.prepare(`DELETE FROM profiles WHERE id IN ${IN_IDS}`).bind(ids),
    ...derivedStatements,
    // The receipt commits with the erasure; its counts are filled in from this batch's results below.
    db
      .prepare(
        "INSERT INTO erasure_receipts (id, workspace, profile_id, profile_ids, counts, created_at) VALUES (?,?,?,?,'{}',?)",
      )
      .bind(receiptId, workspace, live.id, ids, now),
  ]);
  const results = all.slice(guard.length);
  const changes = results.map((r) => r.meta.changes ?? 0);
  // Counted by the modules themselves: what they removed before the batch and after it committed.
  const byModules: Partial<ErasureCounts>[] = parts.flatMap((part) => (part.removed ? [part.removed] : []));
  for (const part of parts) if (part.afterCommit) byModules.push(await part.afterCommit());
  const fromModules = (field: keyof ErasureCounts) => byModules.reduce((sum, c) => sum + (c[field] ?? 0), 0);
  const deleted: ErasureCounts = {
    events: changes[1]!,
    traits: changes[2]!,
    identifiers: changes[3]!,
    merges: changes[4]!,
    flags: changes[5]!,
    quarantinedValues: changes[6]!,
    deadLetters: fromModules("deadLetters"),
    profiles: changes[7]!,
    payloads: fromModules("payloads"),
    archivedEvents,
    derivedRows:
      changes.slice(8, 8 + derivedStatements.length).reduce((a, b) => a + b, 0) + fromModules("derivedRows"),
  };
  await db
    .prepare("UPDATE erasure_receipts SET counts = ? WHERE id = ?")
    .bind(JSON.stringify(deleted), receiptId)
    .run();
  log.info("profile_erased", { workspace, profileId: live.id, receiptId, ...deleted });
  return {
    receiptId,
    workspace,
    profileId: live.id,
    profileIds,
    deleted,
    database: workspaceDatabases(env).get(workspace) ?? "DB",
    archive: { objects: archiveKeys },
    erasedAt: new Date(now).toISOString(),
  };
}
