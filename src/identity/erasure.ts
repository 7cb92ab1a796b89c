import { workspaceDatabases, workspaceDb } from "../db/workspace-db";
import type { ArchivedEvent } from "../events/archive/format";
import { archiveBucket, objectsOfProfiles, readArchive, rewriteObject } from "../events/archive/store";
import type { Env } from "../lib/env";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { findLiveProfile } from "./live-profile";
import { mentionsAny } from "./mentions";

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
  /** Rows of other per-event state (activity indicator contributions, enrichment jobs). */
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

/** Dead letters scanned per erasure (newest first); the receipt cannot vouch for older ones. */
const MAX_DEAD_LETTERS_SCANNED = 5000;
/** Out-of-band bodies (R2) of dead letters read to look for the person. */
const MAX_DEAD_LETTER_BODIES = 200;

/**
 * Erases the live profile `profileId` redirects to, in `workspace`: the profile and the profiles
 * merged into it, their identifiers, traits, events, merges, review flags and quarantined values,
 * per-event state kept by other modules, dead letters that mention one of its identifier values or
 * carry one of its deliveries, the stored payloads (R2) of those deliveries and the headers and body the
 * delivery log kept of them. The erased events'
 * keys are kept (not personal data), so a redelivery of one of them is ignored instead of recreating
 * the profile. Events about the person still in the queue, or sent later, create a new profile.
 *
 * Archived events (R2, src/events/archive): every archive object indexed for the profile or one merged
 * into it is rewritten without their lines (deleted when none is left), and the index rows go. The
 * events' identifier values found there also count as the person's, for the dead-letter search.
 *
 * Must run inside the workspace's IdentityResolver (no merge can race it). R2 objects go first: if
 * the D1 batch then fails, running the erasure again finishes the job.
 * @returns the receipt, or null when no such profile exists in `workspace`
 */
export async function eraseProfile(
  env: Pick<Env, "DB" | "PAYLOADS" | "ARCHIVE" | "WORKSPACE_DATABASES">,
  workspace: string,
  profileId: string,
  now = Date.now(),
  options: ErasureOptions = {},
): Promise<ErasureReceipt | null> {
  // Customer data lives in the workspace's database; dead letters (control data) in env.DB.
  const db = workspaceDb(env, workspace);
  const live = await findLiveProfile(db, profileId);
  if (!live || live.workspace !== workspace) return null;

  const [family, identifiers, events, tables] = await db.batch([
    db.prepare("SELECT id FROM profiles WHERE id = ?1 OR merged_into = ?1").bind(live.id),
    db.prepare("SELECT type, value, raw_value FROM identifiers WHERE profile_id = ?").bind(live.id),
    db
      .prepare("SELECT id, source_id, delivery_id, event_key, identifiers FROM events WHERE profile_id = ?")
      .bind(live.id),
    db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('indicator_contributions', 'extension_jobs')",
    ),
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
  const derivedTables = new Set((tables!.results as { name: string }[]).map((t) => t.name));

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
  const deliveries = new Set(eventRows.map((e) => e.delivery_id));
  const deadLetters = await deadLettersOf(env, workspace, deliveries, needles);

  const payloadKeys = new Set([
    ...eventRows.map((e) => `payloads/${e.source_id}/${e.delivery_id}`),
    ...deadLetters.bodyRefs,
  ]);
  const payloads = await deletePayloads(env.PAYLOADS, [...payloadKeys]);
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
  const eventIds = JSON.stringify(eventRows.map((e) => e.id));
  const eventRefs = JSON.stringify(eventRows.map((e) => [e.source_id, e.event_key]));
  const IN_IDS = "(SELECT value FROM json_each(?1))";
  const PAIRS = (n: number) =>
    `(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?${n}))`;
  const derived = [
    ...(derivedTables.has("indicator_contributions")
      ? [db.prepare(`DELETE FROM indicator_contributions WHERE event_id IN ${IN_IDS}`).bind(eventIds)]
      : []),
    ...(derivedTables.has("extension_jobs")
      ? [
          db
            .prepare(
              `DELETE FROM extension_jobs WHERE workspace = ?1 AND (source_id, event_key) IN ${PAIRS(2)}`,
            )
            .bind(workspace, eventRefs),
        ]
      : []),
  ];
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
    ...derived,
    // The receipt commits with the erasure; its counts are filled in from this batch's results below.
    db
      .prepare(
        "INSERT INTO erasure_receipts (id, workspace, profile_id, profile_ids, counts, created_at) VALUES (?,?,?,?,'{}',?)",
      )
      .bind(receiptId, workspace, live.id, ids, now),
  ]);
  const results = all.slice(guard.length);
  const changes = results.map((r) => r.meta.changes ?? 0);
  // Dead letters are control data in the default database (one more statement, after the erasure
  // committed: a failure here leaves only dead letters, which running the erasure again removes).
  const deadLettersDeleted = await env.DB.prepare(`DELETE FROM dead_letters WHERE id IN ${IN_IDS}`)
    .bind(JSON.stringify(deadLetters.ids))
    .run();
  // The delivery log keeps the headers and body of accepted deliveries for the console: the ones the
  // erased events came from lose them (the row stays: it says only that a delivery happened).
  await env.DB.prepare(`UPDATE deliveries SET headers = NULL, body = NULL WHERE id IN ${IN_IDS}`)
    .bind(JSON.stringify([...deliveries]))
    .run();
  const deleted: ErasureCounts = {
    events: changes[1]!,
    traits: changes[2]!,
    identifiers: changes[3]!,
    merges: changes[4]!,
    flags: changes[5]!,
    quarantinedValues: changes[6]!,
    deadLetters: deadLettersDeleted.meta.changes ?? 0,
    profiles: changes[7]!,
    payloads,
    archivedEvents,
    derivedRows: changes.slice(8, 8 + derived.length).reduce((a, b) => a + b, 0),
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

/**
 * Dead letters of the workspace that carry one of `deliveries`, or whose payload mentions one of the
 * person's identifier values (a failed delivery never became an event, so this is the only link).
 */
async function deadLettersOf(
  env: Pick<Env, "DB" | "PAYLOADS" | "ARCHIVE" | "WORKSPACE_DATABASES">,
  workspace: string,
  deliveries: ReadonlySet<string>,
  needles: ReadonlySet<string>,
): Promise<{ ids: string[]; bodyRefs: string[] }> {
  const { results } = await env.DB.prepare(
    `SELECT id, delivery_id, message FROM dead_letters WHERE json_extract(message, '$.workspace') = ?
     ORDER BY created_at DESC LIMIT ?`,
  )
    .bind(workspace, MAX_DEAD_LETTERS_SCANNED)
    .all<{ id: string; delivery_id: string | null; message: string }>();
  const ids: string[] = [];
  const bodyRefs: string[] = [];
  let bodiesRead = 0;
  for (const row of results) {
    const message = JSON.parse(row.message) as {
      body?: unknown;
      bodyRef?: unknown;
      headers?: Record<string, string>;
    };
    let body = typeof message.body === "string" ? message.body : undefined;
    const bodyRef = typeof message.bodyRef === "string" ? message.bodyRef : undefined;
    if (body === undefined && bodyRef && bodiesRead < MAX_DEAD_LETTER_BODIES) {
      bodiesRead++;
      body = await (await env.PAYLOADS.get(bodyRef))?.text();
    }
    const hit =
      (row.delivery_id !== null && deliveries.has(row.delivery_id)) ||
      (body !== undefined && mentionsAny(body, message.headers?.["content-type"], needles));
    if (!hit) continue;
    ids.push(row.id);
    if (bodyRef) bodyRefs.push(bodyRef);
  }
  return { ids, bodyRefs };
}

/** Deletes the R2 objects that exist among `keys`; returns how many existed. */
async function deletePayloads(bucket: R2Bucket, keys: string[]): Promise<number> {
  const existing: string[] = [];
  for (let i = 0; i < keys.length; i += 50) {
    const heads = await Promise.all(keys.slice(i, i + 50).map((key) => bucket.head(key)));
    heads.forEach((head, j) => {
      if (head) existing.push(keys[i + j]!);
    });
  }
  // R2 deletes at most 1000 keys per call.
  for (let i = 0; i < existing.length; i += 1000) await bucket.delete(existing.slice(i, i + 1000));
  return existing.length;
}
