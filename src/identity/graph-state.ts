import type { GraphView, ProfileFacts, Resolution } from "./resolve";

/** `type \0 value`: an identifier's identity within a workspace. */
export function identifierKey(identifier: { type: string; value: string }): string {
  return `${identifier.type}\u0000${identifier.value}`;
}

/** An event's dedupe identity within a workspace. */
export function eventRef(event: { sourceId: string; eventKey: string }): string {
  return `${event.sourceId}\u0000${event.eventKey}`;
}

/** JSON list of `[type, value]` pairs: one bound parameter, whatever the count (D1 allows 100 per statement). */
export function pairsJson(items: readonly { type: string; value: string }[]): string {
  return JSON.stringify(items.map((i) => [i.type, i.value]));
}

// Row-value IN over json_each: the whole list is one parameter, and the planner still probes the
// unique index (workspace, type, value) once per pair.
const PAIRS = "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2)";

/** What one chunk of events needs from D1, read in one round trip (one `db.batch`). */
export interface ChunkSnapshot {
  /** Stored events of the chunk: event ref → profile id. */
  stored: Map<string, string>;
  /** Erased events of the chunk (their redelivery is ignored). */
  erased: Set<string>;
  state: GraphState;
}

/**
 * Reads, in one D1 batch, everything resolution of a chunk of events can touch: which of the events
 * are stored or erased already, who owns each identifier they carry (with link counts), those owners'
 * age, merge and identifier counts, their values of limited types, and which values are quarantined.
 * Every profile a later event of the chunk can match is an owner of one of these identifiers, so the
 * snapshot is closed under the chunk's own merges.
 */
export async function readChunk(
  db: D1Database,
  workspace: string,
  events: readonly { sourceId: string; eventKey: string }[],
  identifiers: readonly { type: string; value: string }[],
  limitedTypes: readonly string[],
): Promise<ChunkSnapshot> {
  const refs = JSON.stringify(events.map((e) => [e.sourceId, e.eventKey]));
  const pairs = pairsJson(identifiers);
  const [stored, erased, owners, profiles, limited, quarantined] = await db.batch([
    db
      .prepare(
        `SELECT source_id, event_key, profile_id FROM events WHERE workspace = ?1 AND (source_id, event_key) IN (${PAIRS})`,
      )
      .bind(workspace, refs),
    db
      .prepare(
        `SELECT source_id, event_key FROM erased_events WHERE workspace = ?1 AND (source_id, event_key) IN (${PAIRS})`,
      )
      .bind(workspace, refs),
    db
      .prepare(
        `SELECT type, value, profile_id, link_count FROM identifiers WHERE workspace = ?1 AND (type, value) IN (${PAIRS})`,
      )
      .bind(workspace, pairs),
    db
      .prepare(
        `SELECT p.id, p.created_at, p.merge_count,
           (SELECT count(*) FROM identifiers x WHERE x.profile_id = p.id) AS identifier_count
         FROM profiles p WHERE p.id IN (SELECT profile_id FROM identifiers WHERE workspace = ?1 AND (type, value) IN (${PAIRS}))`,
      )
      .bind(workspace, pairs),
    db
      .prepare(
        `SELECT profile_id, type, value, last_seen_at FROM identifiers
         WHERE profile_id IN (SELECT profile_id FROM identifiers WHERE workspace = ?1 AND (type, value) IN (${PAIRS}))
           AND type IN (SELECT value FROM json_each(?3))`,
      )
      .bind(workspace, pairs, JSON.stringify(limitedTypes)),
    db
      .prepare(
        `SELECT type, value FROM identifier_quarantine WHERE workspace = ?1 AND (type, value) IN (${PAIRS})`,
      )
      .bind(workspace, pairs),
  ]);

  const state = new GraphState(new Set(limitedTypes));
  for (const row of rows<{ type: string; value: string; profile_id: string; link_count: number }>(owners))
    state.setOwner(identifierKey(row), row.profile_id, row.link_count);
  for (const row of rows<{ id: string; created_at: number; merge_count: number; identifier_count: number }>(
    profiles,
  ))
    state.addProfile({
      id: row.id,
      createdAt: row.created_at,
      mergeCount: row.merge_count,
      identifierCount: row.identifier_count,
      limited: new Map(),
    });
  for (const row of rows<{ profile_id: string; type: string; value: string; last_seen_at: number }>(limited))
    state.seeLimited(row.profile_id, row.type, row.value, row.last_seen_at);
  for (const row of rows<{ type: string; value: string }>(quarantined)) state.quarantine(identifierKey(row));

  return {
    stored: new Map(
      rows<{ source_id: string; event_key: string; profile_id: string }>(stored).map((r) => [
        eventRef({ sourceId: r.source_id, eventKey: r.event_key }),
        r.profile_id,
      ]),
    ),
    erased: new Set(
      rows<{ source_id: string; event_key: string }>(erased).map((r) =>
        eventRef({ sourceId: r.source_id, eventKey: r.event_key }),
      ),
    ),
    state,
  };
}

function rows<T>(result: D1Result | undefined): T[] {
  return (result?.results ?? []) as T[];
}

/**
 * The in-memory part of the identity graph that a chunk of events touches: owners, profile facts,
 * link counts and quarantine. Resolutions are applied to it as their statements are queued, so each
 * event of the chunk sees the effect of the ones before it, exactly as D1 will after the batch.
 */
export class GraphState implements GraphView {
  private readonly owners = new Map<string, string>();
  private readonly links = new Map<string, number>();
  private readonly quarantined = new Set<string>();
  private readonly profiles = new Map<string, ProfileFacts>();

  constructor(private readonly limitedTypes: ReadonlySet<string>) {}

  owner(key: string): string | undefined {
    return this.owners.get(key);
  }

  profile(id: string): ProfileFacts {
    const profile = this.profiles.get(id);
    if (!profile) throw new Error(`identity graph snapshot lacks profile ${id}`);
    return profile;
  }

  linkCount(key: string): number {
    return this.links.get(key) ?? 0;
  }

  isQuarantined(key: string): boolean {
    return this.quarantined.has(key);
  }

  /** Records that `key` belongs to `profileId` with `linkCount` links so far. */
  setOwner(key: string, profileId: string, linkCount: number): void {
    this.owners.set(key, profileId);
    this.links.set(key, linkCount);
  }

  /** Adds a live profile to the snapshot. */
  addProfile(facts: ProfileFacts): void {
    this.profiles.set(facts.id, facts);
  }

  /** Notes a value of a limited type on a profile, seen at `seenAt` (event time, epoch ms). */
  seeLimited(profileId: string, type: string, value: string, seenAt: number): void {
    const profile = this.profiles.get(profileId);
    if (!profile || !this.limitedTypes.has(type)) return;
    const values = profile.limited.get(type) ?? new Map<string, number>();
    values.set(value, Math.max(values.get(value) ?? seenAt, seenAt));
    profile.limited.set(type, values);
  }

  /** Marks `key` as quarantined. */
  quarantine(key: string): void {
    this.quarantined.add(key);
  }

  /**
   * Applies a resolution: creates the profile when new, folds merged profiles into the survivor,
   * claims fresh identifiers, refreshes last-seen times, adds link counts and quarantines.
   */
  apply(resolution: Resolution, profileId: string, occurredAt: number, now: number): void {
    if (resolution.profileId === null)
      this.addProfile({
        id: profileId,
        createdAt: now,
        mergeCount: 0,
        identifierCount: 0,
        limited: new Map(),
      });
    const survivor = this.profile(profileId);
    for (const { profileId: loserId } of resolution.merges) {
      const loser = this.profile(loserId);
      survivor.mergeCount += loser.mergeCount + 1;
      survivor.identifierCount += loser.identifierCount;
      for (const [type, values] of loser.limited)
        for (const [value, seen] of values) this.seeLimited(profileId, type, value, seen);
      for (const [key, owner] of this.owners) if (owner === loserId) this.owners.set(key, profileId);
      this.profiles.delete(loserId);
    }
    for (const c of resolution.fresh) {
      this.owners.set(c.key, profileId);
      this.links.set(c.key, 0);
      survivor.identifierCount++;
    }
    for (const c of [...resolution.owned, ...resolution.fresh])
      this.seeLimited(profileId, c.type, c.value, occurredAt);
    for (const { identifier, delta } of resolution.links)
      this.links.set(identifier.key, this.linkCount(identifier.key) + delta);
    for (const { identifier } of resolution.quarantined) this.quarantine(identifier.key);
  }
}
