import type { CanonicalEvent } from "../events/event";
import { indicatorStatements } from "../indicators/statements";
import { sha256Hex } from "../lib/encoding";
import { newId } from "../lib/ids";
import { eventRef, identifierKey, readChunk } from "./graph-state";
import type { NormalizedIdentifier, Normalizer } from "./normalize";
import { type Candidate, type Resolution, type ResolveRules, resolve } from "./resolve";
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

/** What happened to one event in {@link applyEvents}. */
export interface ApplyResult {
  eventKey: string;
  /** `duplicate`: stored before (or erased with its profile: then `erased` is set and `profileId` is ""). */
  status: "stored" | "duplicate";
  profileId: string;
  /** Profiles merged into `profileId` by this event. */
  merged: string[];
  /** Merges identity rules refused for this event: the rule of each (`max_merges`, `limit:<type>`…). */
  mergesBlocked?: string[];
  erased?: true;
}

/** A workspace's rules, prepared for resolution (see resolver.ts, which caches one per rules version). */
export interface ResolverContext {
  normalizer: Normalizer;
  resolveRules: ResolveRules;
  /** Version of the rules in force (0 = defaults); recorded with each merge. */
  rulesVersion: number;
  /** Events per D1 read/write batch pair; default {@link CHUNK_EVENTS}. */
  chunkEvents?: number;
}

/**
 * Counters of the work done (for the resolver's stats and the benchmark). Times are milliseconds of
 * wall time around D1 calls: inside a Worker the clock only moves across I/O, so this is where the
 * time measurably goes; what remains of a call is CPU (normalization, resolution, statement building).
 */
export interface GraphMeter {
  chunks: number;
  d1ReadBatches: number;
  d1WriteBatches: number;
  d1Statements: number;
  d1ReadMs: number;
  d1WriteMs: number;
  stored: number;
  duplicates: number;
  merges: number;
  drops: number;
}

/** A zeroed {@link GraphMeter}. */
export function newMeter(): GraphMeter {
  return {
    chunks: 0,
    d1ReadBatches: 0,
    d1WriteBatches: 0,
    d1Statements: 0,
    d1ReadMs: 0,
    d1WriteMs: 0,
    stored: 0,
    duplicates: 0,
    merges: 0,
    drops: 0,
  };
}

/**
 * Events per D1 read and write batch (override: IDENTITY_CHUNK_EVENTS). Two round trips per chunk
 * instead of two or more per event; measured in bench/identity.bench.mjs (1 → 20 → 50 events per
 * chunk: about 10× then 2× the throughput locally). A chunk is one D1 transaction: bigger ones hold
 * the database's write lock longer and roll back more work when one statement fails.
 */
export const CHUNK_EVENTS = 50;

/**
 * Applies canonical events, in order, to the workspace's identity graph and profile store in D1.
 * Per chunk of {@link CHUNK_EVENTS}: one read batch (dedupe, owners, profile facts, quarantine), then
 * each event is resolved in memory against that snapshot, which is updated as it goes, and all
 * writes go in one `db.batch`, which D1 runs as a transaction.
 *
 * Must only run inside the workspace's IdentityResolver (one writer), which makes the read-decide-
 * write sequence safe. Each event's row is the first statement of its writes: its unique key
 * (workspace, source, event key) would abort the batch if a copy were stored meanwhile, so nothing is
 * applied twice or half-applied; the chunk is then re-applied one event at a time.
 * @throws when D1 fails; chunks before the failure are committed, and re-applying them is a no-op
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function applyEvents(
  db: D1Database,
  events: readonly CanonicalEvent[],
  context: ResolverContext,
  now = Date.now(),
  meter: GraphMeter = newMeter(),
): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  const size = context.chunkEvents ?? CHUNK_EVENTS;
  for (let i = 0; i < events.length; i += size) {
    const chunk = events.slice(i, i + size);
    try {
      results.push(...(await applyChunk(db, chunk, context, now, meter)));
    } catch (error) {
      if (!isDuplicateClaim(error)) throw error;
      // A copy was stored between our read and the batch (the batch rolled back): go one by one.
      for (const event of chunk) {
        try {
          results.push(...(await applyChunk(db, [event], context, now, meter)));
        } catch (single) {
          if (!isDuplicateClaim(single)) throw single;
          results.push({ eventKey: event.eventKey, status: "duplicate", profileId: "", merged: [] });
        }
      }
    }
  }
  return results;
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

interface PreparedEvent {
  event: CanonicalEvent;
  eventRowId: string;
  normalized: NormalizedIdentifier[];
  candidates: Candidate[];
}

async function applyChunk(
  db: D1Database,
  events: readonly CanonicalEvent[],
  context: ResolverContext,
  now: number,
  meter: GraphMeter,
): Promise<ApplyResult[]> {
  const workspace = events[0]!.workspace;
  const prepared = await Promise.all(events.map((event) => prepare(event, context)));
  const identifiers = new Map<string, Candidate>();
  for (const p of prepared) for (const c of p.candidates) identifiers.set(c.key, c);
  meter.chunks++;
  const readStart = Date.now();
  const snapshot = await readChunk(
    db,
    workspace,
    events,
    [...identifiers.values()],
    context.resolveRules.limitedTypes.map((t) => t.type),
  );
  meter.d1ReadBatches++;
  meter.d1ReadMs += Date.now() - readStart;

  const statements: D1PreparedStatement[] = [];
  const results: ApplyResult[] = [];
  const applied = new Map<string, string>();
  for (const p of prepared) {
    const ref = eventRef(p.event);
    const earlier = snapshot.stored.get(ref) ?? applied.get(ref);
    if (earlier !== undefined) {
      results.push({ eventKey: p.event.eventKey, status: "duplicate", profileId: earlier, merged: [] });
      continue;
    }
    if (snapshot.erased.has(ref)) {
      results.push({
        eventKey: p.event.eventKey,
        status: "duplicate",
        profileId: "",
        merged: [],
        erased: true,
      });
      continue;
    }
    const resolution = resolve(p.candidates, snapshot.state, context.resolveRules, p.event.occurredAt);
    const profileId = resolution.profileId ?? newId("prf");
    statements.push(...(await eventStatements(db, p, resolution, profileId, context, now)));
    meter.drops += resolution.dropped.length;
    snapshot.state.apply(resolution, profileId, p.event.occurredAt, now);
    applied.set(ref, profileId);
    results.push({
      eventKey: p.event.eventKey,
      status: "stored",
      profileId,
      merged: resolution.merges.map((m) => m.profileId),
      mergesBlocked: resolution.dropped.filter((d) => d.mergeRefused).map((d) => d.rule),
    });
  }
  if (statements.length > 0) {
    const writeStart = Date.now();
    await db.batch(statements);
    meter.d1WriteBatches++;
    meter.d1Statements += statements.length;
    meter.d1WriteMs += Date.now() - writeStart;
  }
  for (const r of results) {
    if (r.status === "stored") meter.stored++;
    else meter.duplicates++;
    meter.merges += r.merged.length;
  }
  return results;
}

async function prepare(event: CanonicalEvent, context: ResolverContext): Promise<PreparedEvent> {
  const options = event.defaultRegion ? { defaultRegion: event.defaultRegion } : {};
  const normalized = event.identifiers.map((i) => context.normalizer.normalize(i, options));
  const candidates = new Map<string, Candidate>();
  for (const n of normalized) {
    if (!n.ok) continue;
    const key = identifierKey(n);
    if (!candidates.has(key))
      candidates.set(key, { ...n, key, priority: context.normalizer.rule(n.type).priority });
  }
  return { event, eventRowId: await eventRowIdFor(event), normalized, candidates: [...candidates.values()] };
}

/**
 * Every write of one resolved event, in order: the event row (the dedupe claim), the new profile,
 * the merges, identifier claims and touches, traits, review flags and quarantines. Other per-profile
 * state kept current on apply or merge (activity indicators) adds its statements here, so they
 * commit, or roll back, with the event.
 */
async function eventStatements(
  db: D1Database,
  p: PreparedEvent,
  resolution: Resolution,
  profileId: string,
  context: ResolverContext,
  now: number,
): Promise<D1PreparedStatement[]> {
  const { event, eventRowId } = p;
  const statements = [insertEvent(db, event, eventRowId, profileId, warningsFor(p, resolution, context))];
  if (resolution.profileId === null) statements.push(insertProfile(db, profileId, event.workspace, now));
  for (const merge of resolution.merges)
    statements.push(
      ...mergeStatements(
        db,
        event.workspace,
        profileId,
        merge.profileId,
        merge.via,
        eventRowId,
        `shared_identifier@v${context.rulesVersion}`,
        now,
      ),
    );
  if (resolution.fresh.length > 0) statements.push(claimIdentifiers(db, event, profileId, resolution.fresh));
  if (resolution.owned.length > 0)
    statements.push(touchIdentifiers(db, event.workspace, resolution.owned, event.occurredAt));
  if (resolution.links.length > 0)
    statements.push(
      addLinks(
        db,
        event.workspace,
        resolution.links.map((l) => l.identifier),
        resolution.links[0]!.delta,
      ),
    );
  const traits = traitEntries(p);
  if (traits.length > 0) statements.push(upsertTraits(db, profileId, event, eventRowId, traits));
  if (resolution.profileId !== null) statements.push(touchProfile(db, profileId, now));
  const flags = flagsFor(resolution, profileId, context);
  if (flags.length > 0) statements.push(insertFlags(db, event.workspace, eventRowId, flags, now));
  if (resolution.quarantined.length > 0)
    statements.push(insertQuarantine(db, event.workspace, eventRowId, resolution.quarantined, now));
  statements.push(...(await indicatorStatements(db, event, eventRowId)));
  return statements;
}

/**
 * The event's traits as [name, JSON text], plus identifier values refused as match keys (invalid or
 * blocked, but not junk placeholders) kept under their type's name unless the event sets that trait
 * itself (kept as attributes, never as match keys).
 */
function traitEntries(p: PreparedEvent): [string, string][] {
  const entries = new Map<string, string>();
  for (const [name, value] of Object.entries(p.event.traits))
    if (value !== undefined) entries.set(name, JSON.stringify(value));
  for (const n of p.normalized)
    if (!n.ok && n.keepAsTrait && !entries.has(n.type)) entries.set(n.type, JSON.stringify(n.raw.trim()));
  return [...entries];
}

function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** Per-identifier warnings stored with one event; past it they are counted, not listed. */
const MAX_LISTED_WARNINGS = 20;

/**
 * Ingestion warnings stored with the event: identifiers not used as match keys, and why. At most
 * {@link MAX_LISTED_WARNINGS} are listed, then one line counts the rest, so an event's stored row
 * stays small whatever it carries.
 */
function warningsFor(p: PreparedEvent, resolution: Resolution, context: ResolverContext): string[] {
  const warnings: string[] = [];
  for (const n of p.normalized)
    if (!n.ok) warnings.push(`identifier ${n.type}=${quote(n.raw)} not used for matching: ${n.reason}`);
  for (const c of resolution.skipped)
    warnings.push(`identifier ${c.type}=${quote(c.value)} not used for matching: quarantined`);
  for (const q of resolution.quarantined)
    warnings.push(
      `identifier ${q.identifier.type}=${quote(q.identifier.value)} quarantined: it would link ${q.linkedProfiles} profiles (threshold ${context.resolveRules.quarantineThreshold})`,
    );
  for (const d of resolution.dropped)
    warnings.push(
      `identifier ${d.identifier.type}=${quote(d.identifier.value)} dropped by merge protection (${d.rule}): ${d.detail}`,
    );
  const listed = warnings.slice(0, MAX_LISTED_WARNINGS);
  if (warnings.length > MAX_LISTED_WARNINGS)
    listed.push(`${warnings.length - MAX_LISTED_WARNINGS} more identifiers not used for matching`);
  return [...p.event.warnings, ...listed];
}

function flagsFor(resolution: Resolution, profileId: string, context: ResolverContext): Flag[] {
  const flags: Flag[] = resolution.dropped.map((d) => ({
    kind: d.mergeRefused ? "merge_refused" : "identifier_dropped",
    identifier: { type: d.identifier.type, value: d.identifier.value },
    profileIds: [...new Set([profileId, ...d.profiles])],
    rule: d.rule,
    detail: d.detail,
  }));
  for (const q of resolution.quarantined)
    flags.push({
      kind: "quarantined",
      identifier: { type: q.identifier.type, value: q.identifier.value },
      profileIds: [...new Set([profileId, ...q.profiles])],
      rule: "quarantine_threshold",
      detail: `would link ${q.linkedProfiles} profiles (threshold ${context.resolveRules.quarantineThreshold})`,
    });
  return flags;
}

function isDuplicateClaim(error: unknown): boolean {
  return String(error).includes("UNIQUE constraint failed: events.");
}
