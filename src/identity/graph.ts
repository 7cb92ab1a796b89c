import { sha256Hex } from "../lib/encoding";
import { newId } from "../lib/ids";
import type { CanonicalEvent } from "../pipeline/event";
import { type NormalizedIdentifier, normalizeIdentifier } from "./normalize";

/** What happened to one event in {@link applyEvent}. */
export interface ApplyResult {
  eventKey: string;
  status: "stored" | "duplicate";
  profileId: string;
  /** Profiles merged into `profileId` by this event. */
  merged: string[];
}

/** D1 allows at most 100 bound parameters per statement. */
const MAX_PARAMS = 100;

/**
 * Applies one canonical event to the workspace's identity graph and profile store in D1:
 * dedupe → find profiles owning the event's identifiers → create, attach or merge → store the event,
 * claim new identifiers, and set traits last-writer-wins by (occurredAt, event id).
 *
 * Must only run inside the workspace's IdentityResolver (one writer), which makes the read-decide-
 * write sequence safe. All writes go in one `db.batch`, which D1 runs as a transaction: the event
 * insert comes first and its unique key (workspace, source, event key) aborts the whole batch if a
 * copy was stored meanwhile, so nothing is applied twice or half-applied.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function applyEvent(
  db: D1Database,
  event: CanonicalEvent,
  now = Date.now(),
): Promise<ApplyResult> {
  const existing = await db
    .prepare("SELECT profile_id FROM events WHERE workspace = ? AND source_id = ? AND event_key = ?")
    .bind(event.workspace, event.sourceId, event.eventKey)
    .first<{ profile_id: string }>();
  if (existing)
    return { eventKey: event.eventKey, status: "duplicate", profileId: existing.profile_id, merged: [] };

  const normalized = event.identifiers.map((i) => normalizeIdentifier(i));
  const warnings = [...event.warnings, ...rejectionWarnings(normalized)];
  const matchable = dedupeIdentifiers(normalized);
  const owners = await findOwners(db, event.workspace, matchable);

  const statements: D1PreparedStatement[] = [];
  const eventRowId = await eventRowIdFor(event);
  let profileId: string;
  let merged: string[] = [];
  const profileIds = [...new Set(owners.values())];
  if (profileIds.length === 0) {
    profileId = newId("prf");
  } else {
    const ranked = await rankProfiles(db, profileIds);
    profileId = ranked[0]!;
    merged = ranked.slice(1);
  }

  // The event row goes first: its unique key is the atomic dedupe claim for the whole batch.
  statements.push(
    db
      .prepare(
        `INSERT INTO events (id, workspace, source_id, event_key, delivery_id, profile_id, type, occurred_at,
           received_at, identifiers, traits, properties, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .bind(
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
      ),
  );
  if (profileIds.length === 0) {
    statements.push(
      db
        .prepare(
          "INSERT INTO profiles (id, workspace, merge_count, created_at, updated_at) VALUES (?,?,0,?,?)",
        )
        .bind(profileId, event.workspace, now, now),
    );
  }
  for (const loser of merged)
    statements.push(...mergeStatements(db, event, profileId, loser, owners, eventRowId, now));

  const fresh = matchable.filter((i) => !owners.has(key(i)));
  const perRow = 7;
  for (let i = 0; i < fresh.length; i += Math.floor(MAX_PARAMS / perRow)) {
    const chunk = fresh.slice(i, i + Math.floor(MAX_PARAMS / perRow));
    statements.push(
      db
        .prepare(
          `INSERT INTO identifiers (workspace, type, value, profile_id, raw_value, source_id, first_seen_at) VALUES ${chunk
            .map(() => "(?,?,?,?,?,?,?)")
            .join(",")} ON CONFLICT (workspace, type, value) DO NOTHING`,
        )
        .bind(
          ...chunk.flatMap((c) => [event.workspace, c.type, c.value, profileId, c.raw, event.sourceId, now]),
        ),
    );
  }
  statements.push(...traitStatements(db, profileId, event, eventRowId));
  statements.push(db.prepare("UPDATE profiles SET updated_at = ? WHERE id = ?").bind(now, profileId));

  try {
    await db.batch(statements);
  } catch (error) {
    // A copy stored between our read and this batch: the batch rolled back, the copy stands.
    if (String(error).includes("UNIQUE constraint failed: events.")) {
      return { eventKey: event.eventKey, status: "duplicate", profileId, merged: [] };
    }
    throw error;
  }
  return { eventKey: event.eventKey, status: "stored", profileId, merged };
}

/**
 * The stored event id is derived from (workspace, source, event key), not drawn at random, so the
 * trait tie-break on equal timestamps picks the same winner whatever the arrival order (invariant 4).
 */
export async function eventRowIdFor(
  event: Pick<CanonicalEvent, "workspace" | "sourceId" | "eventKey">,
): Promise<string> {
  return `evt_${(await sha256Hex(`${event.workspace}\u0000${event.sourceId}\u0000${event.eventKey}`)).slice(0, 32)}`;
}

type Matchable = Extract<NormalizedIdentifier, { ok: true }>;

function key(identifier: { type: string; value: string }): string {
  return `${identifier.type}\u0000${identifier.value}`;
}

function rejectionWarnings(normalized: NormalizedIdentifier[]): string[] {
  return normalized
    .filter((n): n is Extract<NormalizedIdentifier, { ok: false }> => !n.ok)
    .map(
      (n) => `identifier ${n.type}=${JSON.stringify(n.raw.slice(0, 64))} not used for matching: ${n.reason}`,
    );
}

function dedupeIdentifiers(normalized: NormalizedIdentifier[]): Matchable[] {
  const seen = new Map<string, Matchable>();
  for (const n of normalized) if (n.ok && !seen.has(key(n))) seen.set(key(n), n);
  return [...seen.values()];
}

/** Map of identifier key → owning live profile id, read in chunks under the parameter limit. */
async function findOwners(
  db: D1Database,
  workspace: string,
  identifiers: Matchable[],
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const perChunk = Math.floor((MAX_PARAMS - 1) / 2);
  for (let i = 0; i < identifiers.length; i += perChunk) {
    const chunk = identifiers.slice(i, i + perChunk);
    const { results } = await db
      .prepare(
        `SELECT type, value, profile_id FROM identifiers WHERE workspace = ? AND (type, value) IN (${chunk
          .map(() => "(?,?)")
          .join(",")})`,
      )
      .bind(workspace, ...chunk.flatMap((c) => [c.type, c.value]))
      .all<{ type: string; value: string; profile_id: string }>();
    for (const row of results) owners.set(key(row), row.profile_id);
  }
  return owners;
}

/** Profiles ordered survivor-first: oldest `created_at`, then lowest id. */
async function rankProfiles(db: D1Database, ids: string[]): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT id FROM profiles WHERE id IN (${ids.map(() => "?").join(",")}) ORDER BY created_at, id`)
    .bind(...ids)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

function mergeStatements(
  db: D1Database,
  event: CanonicalEvent,
  survivor: string,
  loser: string,
  owners: Map<string, string>,
  eventRowId: string,
  now: number,
): D1PreparedStatement[] {
  const [linkKey] = [...owners.entries()].find(([, owner]) => owner === loser) ?? [""];
  const [linkType = "", linkValue = ""] = linkKey.split("\u0000");
  return [
    db.prepare("UPDATE identifiers SET profile_id = ? WHERE profile_id = ?").bind(survivor, loser),
    // Traits keep last-writer-wins across the merge: the loser's value wins only where it is newer.
    db
      .prepare(
        `INSERT INTO traits (profile_id, name, value, occurred_at, event_id, source_id)
           SELECT ?, name, value, occurred_at, event_id, source_id FROM traits WHERE profile_id = ?
         ON CONFLICT (profile_id, name) DO UPDATE SET value = excluded.value, occurred_at = excluded.occurred_at,
           event_id = excluded.event_id, source_id = excluded.source_id
         WHERE (excluded.occurred_at, excluded.event_id) > (traits.occurred_at, traits.event_id)`,
      )
      .bind(survivor, loser),
    db.prepare("DELETE FROM traits WHERE profile_id = ?").bind(loser),
    db.prepare("UPDATE events SET profile_id = ? WHERE profile_id = ?").bind(survivor, loser),
    // Flatten redirect chains: anything that pointed at the loser now points at the survivor.
    db
      .prepare("UPDATE profiles SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?")
      .bind(survivor, now, loser, loser),
    db.prepare("UPDATE profiles SET merge_count = merge_count + 1 WHERE id = ?").bind(survivor),
    db
      .prepare(
        `INSERT INTO merges (id, workspace, survivor_id, merged_id, identifier_type, identifier_value, event_id, rule, created_at)
         VALUES (?,?,?,?,?,?,?,?,?)`,
      )
      .bind(
        newId("mrg"),
        event.workspace,
        survivor,
        loser,
        linkType,
        linkValue,
        eventRowId,
        "shared-identifier",
        now,
      ),
  ];
}

function traitStatements(
  db: D1Database,
  profileId: string,
  event: CanonicalEvent,
  eventRowId: string,
): D1PreparedStatement[] {
  const entries = Object.entries(event.traits).filter(([, v]) => v !== undefined);
  const perRow = 6;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < entries.length; i += Math.floor(MAX_PARAMS / perRow)) {
    const chunk = entries.slice(i, i + Math.floor(MAX_PARAMS / perRow));
    statements.push(
      db
        .prepare(
          `INSERT INTO traits (profile_id, name, value, occurred_at, event_id, source_id) VALUES ${chunk
            .map(() => "(?,?,?,?,?,?)")
            .join(",")}
           ON CONFLICT (profile_id, name) DO UPDATE SET value = excluded.value, occurred_at = excluded.occurred_at,
             event_id = excluded.event_id, source_id = excluded.source_id
           WHERE (excluded.occurred_at, excluded.event_id) > (traits.occurred_at, traits.event_id)`,
        )
        .bind(
          ...chunk.flatMap(([name, value]) => [
            profileId,
            name,
            JSON.stringify(value),
            event.occurredAt,
            eventRowId,
            event.sourceId,
          ]),
        ),
    );
  }
  return statements;
}
