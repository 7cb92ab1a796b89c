import { identifierKey } from "./graph-state";
import type { Candidate, GraphView, ProfileFacts, Resolution } from "./resolve";

/**
 * The workspace's identity graph in its IdentityResolver's own SQLite storage (`ctx.storage.sql`):
 * identifiers → profile, profiles with their redirects, the merge log, quarantined values, the dedupe
 * claims of every event applied, and the outbox of changes still to be projected to D1 (outbox.ts).
 * This is the authoritative graph; D1 holds a projection of it for the API and the console.
 *
 * Tables are created on first use (`CREATE … IF NOT EXISTS`): the object has no migration runner, and
 * a later change adds tables or columns the same way, guarded by {@link SCHEMA_VERSION}.
 * @see https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS graph_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS graph_profiles (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, merge_count INTEGER NOT NULL DEFAULT 0,
  identifier_count INTEGER NOT NULL DEFAULT 0, merged_into TEXT);
CREATE INDEX IF NOT EXISTS graph_profiles_merged_into ON graph_profiles (merged_into);
CREATE TABLE IF NOT EXISTS graph_identifiers (
  type TEXT NOT NULL, value TEXT NOT NULL, profile_id TEXT NOT NULL, last_seen_at INTEGER NOT NULL,
  link_count INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (type, value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS graph_identifiers_profile ON graph_identifiers (profile_id, type);
CREATE TABLE IF NOT EXISTS graph_merges (
  seq INTEGER PRIMARY KEY, survivor_id TEXT NOT NULL, merged_id TEXT NOT NULL, identifier_type TEXT NOT NULL,
  identifier_value TEXT NOT NULL, event_id TEXT NOT NULL, rule TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS graph_quarantine (
  type TEXT NOT NULL, value TEXT NOT NULL, linked_profiles INTEGER NOT NULL, event_id TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (type, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS graph_event_claims (
  source_id TEXT NOT NULL, event_key TEXT NOT NULL, profile_id TEXT NOT NULL, erased INTEGER NOT NULL DEFAULT 0,
  delivery_id TEXT, PRIMARY KEY (source_id, event_key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS graph_event_claims_profile ON graph_event_claims (profile_id);
CREATE TABLE IF NOT EXISTS projection_outbox (
  seq INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, change TEXT NOT NULL);
`;

/** Creates the graph's tables when missing, and brings an older object's up to {@link SCHEMA_VERSION}. Idempotent; call once per object instance. */
export function ensureGraphSchema(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  const version = Number(readMeta(sql, "schema_version") ?? 1);
  if (version >= SCHEMA_VERSION) return;
  // v2: the claim records the delivery that stored the event, so a redelivery is told apart from a
  // sender's duplicate without reading D1 (which may not have the event yet). Claims made before
  // carry NULL and fall back to D1's row.
  const columns = sql
    .exec<{ name: string }>("SELECT name FROM pragma_table_info('graph_event_claims')")
    .toArray()
    .map((c) => c.name);
  if (!columns.includes("delivery_id"))
    sql.exec("ALTER TABLE graph_event_claims ADD COLUMN delivery_id TEXT");
  writeMeta(sql, "schema_version", String(SCHEMA_VERSION));
}

/** A value of `graph_meta` (workspace name, rules), or undefined. */
export function readMeta(sql: SqlStorage, key: string): string | undefined {
  const row = sql.exec<{ value: string }>("SELECT value FROM graph_meta WHERE key = ?", key).toArray()[0];
  return row?.value;
}

/** Sets a value of `graph_meta`. */
export function writeMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec(
    "INSERT INTO graph_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    key,
    value,
  );
}

/**
 * What a stored claim says about an event seen before: its live profile, or that it was erased; and
 * the delivery that stored it (null for claims made before the graph recorded it, or rebuilt from a
 * D1 row without one).
 */
export type Claim = ({ profileId: string; erased: false } | { profileId: ""; erased: true }) & {
  deliveryId: string | null;
};

/**
 * The identity graph as {@link GraphView} over the object's SQLite, plus the writes that apply a
 * resolution. Reads are memoized until the next write, because resolution asks the same questions
 * several times per event; every call is synchronous and local (no network round trip).
 */
export class SqlGraph implements GraphView {
  private owners = new Map<string, { profileId: string; links: number } | null>();
  private facts = new Map<string, ProfileFacts>();
  private quarantined = new Map<string, boolean>();
  private anyQuarantined: boolean | undefined;
  /** Claims read ahead for the batch ({@link prefetch}), by source and event key; null = none. */
  private claims = new Map<string, Claim | null>();
  /**
   * Rows of new customers (their claim, profile and identifiers) not written yet: {@link apply} holds
   * them and {@link flushWrites} writes each table's in one statement, before any read or any other
   * write reaches SQLite, so nothing ever reads around them. A batch of new customers then costs three
   * statements, not three per event.
   */
  private held: HeldRows = { claims: [], profiles: [], identifiers: [] };
  private readonly limitedTypesJson: string;

  constructor(
    private readonly sql: SqlStorage,
    private readonly limitedTypes: readonly string[],
  ) {
    this.limitedTypesJson = JSON.stringify(limitedTypes);
  }

  owner(key: string): string | undefined {
    return this.ownerRow(key)?.profileId;
  }

  linkCount(key: string): number {
    return this.ownerRow(key)?.links ?? 0;
  }

  isQuarantined(key: string): boolean {
    // Nearly every workspace has no quarantined value at all: one probe per batch then answers for
    // every identifier, instead of one lookup each.
    // Held rows touch no quarantine: these reads need no flush.
    this.anyQuarantined ??= this.sql.exec("SELECT 1 FROM graph_quarantine LIMIT 1").toArray().length > 0;
    if (!this.anyQuarantined) return false;
    let hit = this.quarantined.get(key);
    if (hit === undefined) {
      const [type, value] = splitKey(key);
      hit =
        this.sql.exec("SELECT 1 FROM graph_quarantine WHERE type = ? AND value = ?", type, value).toArray()
          .length > 0;
      this.quarantined.set(key, hit);
    }
    return hit;
  }

  profile(id: string): ProfileFacts {
    let facts = this.facts.get(id);
    if (facts) return facts;
    this.flushWrites();
    const row = this.sql
      .exec<{ created_at: number; merge_count: number; identifier_count: number }>(
        "SELECT created_at, merge_count, identifier_count FROM graph_profiles WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (!row) throw new Error(`identity graph lacks profile ${id}`);
    facts = {
      id,
      createdAt: row.created_at,
      mergeCount: row.merge_count,
      identifierCount: row.identifier_count,
      limited: new Map(),
    };
    // One query for every limited type, searched on (profile_id, type): with `type = ?` alone SQLite
    // picks the primary key (type, value) and walks every identifier of that type in the workspace.
    if (this.limitedTypes.length > 0)
      for (const r of this.sql.exec<{ type: string; value: string; last_seen_at: number }>(
        `SELECT type, value, last_seen_at FROM graph_identifiers
         WHERE profile_id = ?1 AND type IN (SELECT value FROM json_each(?2))`,
        id,
        this.limitedTypesJson,
      )) {
        const values = facts.limited.get(r.type) ?? new Map<string, number>();
        values.set(r.value, r.last_seen_at);
        facts.limited.set(r.type, values);
      }
    this.facts.set(id, facts);
    return facts;
  }

  /**
   * Reads, in two queries, what resolution will ask first about a batch: the owners of every
   * identifier the events carry and the claims of their event keys. Without it a new customer cost
   * one lookup per identifier plus one for the claim; the memo then follows the batch's own writes
   * (see {@link apply}) instead of being dropped after each event. Call inside the batch's
   * transaction, after {@link forget}.
   */
  prefetch(
    events: readonly { event: { sourceId: string; eventKey: string }; candidates: readonly Candidate[] }[],
  ): void {
    this.flushWrites();
    const keys = new Map<string, [string, string]>();
    for (const { candidates } of events) for (const c of candidates) keys.set(c.key, [c.type, c.value]);
    for (const key of keys.keys()) this.owners.set(key, null);
    if (keys.size > 0)
      for (const r of this.sql.exec<{ type: string; value: string; profile_id: string; link_count: number }>(
        `SELECT type, value, profile_id, link_count FROM graph_identifiers
         WHERE (type, value) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`,
        JSON.stringify([...keys.values()]),
      ))
        this.owners.set(identifierKey({ type: r.type, value: r.value }), {
          profileId: r.profile_id,
          links: r.link_count,
        });
    const claimed = events.map(({ event }) => [event.sourceId, event.eventKey]);
    for (const [sourceId, eventKey] of claimed) this.claims.set(claimKey(sourceId!, eventKey!), null);
    for (const r of this.sql.exec<ClaimRow & { source_id: string; event_key: string }>(
      `SELECT c.source_id, c.event_key, c.profile_id, c.erased, c.delivery_id, p.merged_into FROM graph_event_claims c
       LEFT JOIN graph_profiles p ON p.id = c.profile_id
       WHERE (c.source_id, c.event_key) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`,
      JSON.stringify(claimed),
    ))
      this.claims.set(claimKey(r.source_id, r.event_key), claimOf(r));
  }

  /** The claim of an event applied before (by source and event key), following merge redirects. */
  claim(sourceId: string, eventKey: string): Claim | undefined {
    const known = this.claims.get(claimKey(sourceId, eventKey));
    if (known !== undefined) return known ?? undefined;
    this.flushWrites();
    const row = this.sql
      .exec<ClaimRow>(
        `SELECT c.profile_id, c.erased, c.delivery_id, p.merged_into FROM graph_event_claims c
         LEFT JOIN graph_profiles p ON p.id = c.profile_id WHERE c.source_id = ? AND c.event_key = ?`,
        sourceId,
        eventKey,
      )
      .toArray()[0];
    return row ? claimOf(row) : undefined;
  }

  /**
   * Writes a resolution: the event's claim, the new profile, the merges (identifiers and redirects
   * move to the survivor, redirects stay one hop, the merge is logged), fresh identifiers, last-seen
   * times, link counts and quarantines. Must run inside the batch's `transactionSync`.
   */
  apply(
    resolution: Resolution,
    profileId: string,
    event: { sourceId: string; eventKey: string; occurredAt: number; deliveryId: string },
    eventRowId: string,
    rule: string,
    now: number,
  ): void {
    const sql = this.sql;
    // A new customer that links, merges and quarantines nothing only adds rows: they are held (see
    // `held`). Anything else updates rows, which may be held ones, so those are written first.
    if (
      resolution.profileId === null &&
      resolution.merges.length === 0 &&
      resolution.owned.length === 0 &&
      resolution.links.length === 0 &&
      resolution.quarantined.length === 0
    ) {
      this.held.claims.push([event.sourceId, event.eventKey, profileId, event.deliveryId]);
      this.held.profiles.push([profileId, now, resolution.fresh.length]);
      for (const c of resolution.fresh)
        this.held.identifiers.push([c.type, c.value, profileId, event.occurredAt]);
      this.remember(resolution, profileId, event);
      return;
    }
    this.flushWrites();
    sql.exec(
      "INSERT INTO graph_event_claims (source_id, event_key, profile_id, delivery_id) VALUES (?, ?, ?, ?)",
      event.sourceId,
      event.eventKey,
      profileId,
      event.deliveryId,
    );
    // A new profile is inserted with its identifier count; an existing one gets it added below.
    if (resolution.profileId === null)
      sql.exec(
        "INSERT INTO graph_profiles (id, created_at, identifier_count) VALUES (?, ?, ?)",
        profileId,
        now,
        resolution.fresh.length,
      );
    for (const merge of resolution.merges) {
      sql.exec(
        `UPDATE graph_profiles SET
           merge_count = merge_count + 1 + (SELECT merge_count FROM graph_profiles WHERE id = ?1),
           identifier_count = identifier_count + (SELECT identifier_count FROM graph_profiles WHERE id = ?1)
         WHERE id = ?2`,
        merge.profileId,
        profileId,
      );
      sql.exec(
        "UPDATE graph_identifiers SET profile_id = ? WHERE profile_id = ?",
        profileId,
        merge.profileId,
      );
      // Two statements rather than one with OR, so each uses its index instead of a scan per merge.
      sql.exec("UPDATE graph_profiles SET merged_into = ? WHERE merged_into = ?", profileId, merge.profileId);
      sql.exec(
        "UPDATE graph_profiles SET merged_into = ?, identifier_count = 0 WHERE id = ?",
        profileId,
        merge.profileId,
      );
      sql.exec(
        `INSERT INTO graph_merges (survivor_id, merged_id, identifier_type, identifier_value, event_id, rule, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        profileId,
        merge.profileId,
        merge.via.type,
        merge.via.value,
        eventRowId,
        rule,
        now,
      );
    }
    // Fresh identifiers in one statement (a new customer brings several).
    if (resolution.fresh.length === 1)
      sql.exec(
        "INSERT INTO graph_identifiers (type, value, profile_id, last_seen_at) VALUES (?, ?, ?, ?)",
        resolution.fresh[0]!.type,
        resolution.fresh[0]!.value,
        profileId,
        event.occurredAt,
      );
    else if (resolution.fresh.length > 1)
      sql.exec(
        `INSERT INTO graph_identifiers (type, value, profile_id, last_seen_at)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?1, ?2 FROM json_each(?3)`,
        profileId,
        event.occurredAt,
        JSON.stringify(resolution.fresh.map((c) => [c.type, c.value])),
      );
    if (resolution.fresh.length > 0 && resolution.profileId !== null)
      sql.exec(
        "UPDATE graph_profiles SET identifier_count = identifier_count + ? WHERE id = ?",
        resolution.fresh.length,
        profileId,
      );
    for (const c of resolution.owned)
      sql.exec(
        "UPDATE graph_identifiers SET last_seen_at = max(last_seen_at, ?) WHERE type = ? AND value = ?",
        event.occurredAt,
        c.type,
        c.value,
      );
    for (const { identifier, delta } of resolution.links)
      sql.exec(
        "UPDATE graph_identifiers SET link_count = link_count + ? WHERE type = ? AND value = ?",
        delta,
        identifier.type,
        identifier.value,
      );
    for (const q of resolution.quarantined)
      sql.exec(
        `INSERT INTO graph_quarantine (type, value, linked_profiles, event_id, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        q.identifier.type,
        q.identifier.value,
        q.linkedProfiles,
        eventRowId,
        now,
      );
    this.remember(resolution, profileId, event);
  }

  /**
   * Writes the held rows of new customers, one statement per table. Called before every read that
   * may reach SQLite and every other write, and by the batch at its end (inside its transaction).
   */
  flushWrites(): void {
    const { claims, profiles, identifiers } = this.held;
    if (claims.length === 0) return;
    this.held = { claims: [], profiles: [], identifiers: [] };
    const sql = this.sql;
    sql.exec(
      `INSERT INTO graph_event_claims (source_id, event_key, profile_id, delivery_id)
       SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
         json_extract(value, '$[3]') FROM json_each(?)`,
      JSON.stringify(claims),
    );
    sql.exec(
      `INSERT INTO graph_profiles (id, created_at, identifier_count)
       SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
       FROM json_each(?)`,
      JSON.stringify(profiles),
    );
    if (identifiers.length > 0)
      sql.exec(
        `INSERT INTO graph_identifiers (type, value, profile_id, last_seen_at)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
           json_extract(value, '$[3]') FROM json_each(?)`,
        JSON.stringify(identifiers),
      );
  }

  /**
   * Brings the memo up to date with what {@link apply} just wrote, so the rest of the batch keeps it:
   * fresh identifiers are owned by `profileId`, a merged profile's identifiers moved to it, link
   * counts grew. Facts of the profiles written are dropped (counts and last-seen times changed), as
   * are the claims after a merge (a claim's live profile follows redirects). Quarantined values
   * change only here (and on release, outside apply): their memo survives the events that
   * quarantine nothing, which is nearly all of them.
   */
  private remember(
    resolution: Resolution,
    profileId: string,
    event: { sourceId: string; eventKey: string; deliveryId: string },
  ): void {
    // The event's own claim, as a read would find it (a repeat later in the batch is a duplicate);
    // a merge below clears every claim, since claims follow redirects.
    this.claims.set(claimKey(event.sourceId, event.eventKey), {
      profileId,
      erased: false,
      deliveryId: event.deliveryId,
    });
    this.facts.delete(profileId);
    if (resolution.merges.length > 0) {
      const merged = new Set(resolution.merges.map((m) => m.profileId));
      for (const id of merged) this.facts.delete(id);
      for (const row of this.owners.values()) if (row && merged.has(row.profileId)) row.profileId = profileId;
      this.claims.clear();
    }
    for (const c of resolution.fresh) this.owners.set(c.key, { profileId, links: 0 });
    for (const { identifier, delta } of resolution.links) {
      const row = this.owners.get(identifier.key);
      if (row) row.links += delta;
      else this.owners.delete(identifier.key);
    }
    if (resolution.quarantined.length > 0) {
      this.quarantined = new Map();
      this.anyQuarantined = undefined;
    }
  }

  /** Drops memoized reads (after a write outside {@link apply}); `quarantine` false keeps that memo. */
  forget(quarantine = true): void {
    // Held rows belong to a transaction that is over (committed after a flush, or rolled back).
    this.held = { claims: [], profiles: [], identifiers: [] };
    this.owners = new Map();
    this.facts = new Map();
    this.claims = new Map();
    if (quarantine) {
      this.quarantined = new Map();
      this.anyQuarantined = undefined;
    }
  }

  private ownerRow(key: string): { profileId: string; links: number } | null {
    let row = this.owners.get(key);
    if (row === undefined) {
      this.flushWrites();
      const [type, value] = splitKey(key);
      const found = this.sql
        .exec<{ profile_id: string; link_count: number }>(
          "SELECT profile_id, link_count FROM graph_identifiers WHERE type = ? AND value = ?",
          type,
          value,
        )
        .toArray()[0];
      row = found ? { profileId: found.profile_id, links: found.link_count } : null;
      this.owners.set(key, row);
    }
    return row;
  }
}

/** Rows {@link SqlGraph.apply} holds until {@link SqlGraph.flushWrites}, as bound to `json_each`. */
interface HeldRows {
  /** source id, event key, profile id, delivery id */
  claims: [string, string, string, string][];
  /** id, created at (epoch ms), identifier count */
  profiles: [string, number, number][];
  /** type, value, profile id, last seen at (epoch ms) */
  identifiers: [string, string, string, number][];
}

/** A claim as the claim queries read it. */
type ClaimRow = {
  profile_id: string;
  erased: number;
  merged_into: string | null;
  delivery_id: string | null;
};

function claimOf(row: ClaimRow): Claim {
  if (row.erased) return { profileId: "", erased: true, deliveryId: row.delivery_id };
  return { profileId: row.merged_into ?? row.profile_id, erased: false, deliveryId: row.delivery_id };
}

function claimKey(sourceId: string, eventKey: string): string {
  return `${sourceId}\u0000${eventKey}`;
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf("\u0000");
  return [key.slice(0, at), key.slice(at + 1)];
}

/** The graph as the invariant checker and the rebuild compare it: live profiles and their identifiers. */
export interface GraphSnapshot {
  workspace: string | null;
  /** Highest outbox sequence number ever assigned (changes made so far). */
  lastSeq: number;
  /** Outbox entries not yet projected to D1. */
  pending: number;
  /** Live profile id → its identifiers as sorted `type:value`. */
  profiles: Record<string, string[]>;
  /** Merged-away profile id → the live profile it redirects to. */
  redirects: Record<string, string>;
  quarantined: string[];
}

/** Reads the whole graph (for tests and operators; the size of the workspace). */
export function snapshotGraph(sql: SqlStorage, workspace: string | null): GraphSnapshot {
  const profiles: Record<string, string[]> = {};
  const redirects: Record<string, string> = {};
  for (const p of sql.exec<{ id: string; merged_into: string | null }>(
    "SELECT id, merged_into FROM graph_profiles",
  ))
    if (p.merged_into) redirects[p.id] = p.merged_into;
    else profiles[p.id] = [];
  for (const i of sql.exec<{ type: string; value: string; profile_id: string }>(
    "SELECT type, value, profile_id FROM graph_identifiers ORDER BY type, value",
  )) {
    profiles[i.profile_id] ??= [];
    profiles[i.profile_id]!.push(`${i.type}:${i.value}`);
  }
  const quarantined = sql
    .exec<{ type: string; value: string }>("SELECT type, value FROM graph_quarantine ORDER BY type, value")
    .toArray()
    .map((q) => `${q.type}:${q.value}`);
  const pending = sql.exec<{ n: number }>("SELECT count(*) AS n FROM projection_outbox").one().n;
  return {
    workspace,
    lastSeq: Number(readMeta(sql, "last_seq") ?? 0),
    pending,
    profiles,
    redirects,
    quarantined,
  };
}
