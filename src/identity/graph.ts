import type { CanonicalEvent } from "../events/event";
import { sha256Hex } from "../lib/encoding";
import { newId } from "../lib/ids";
import { identifierKey } from "./graph-state";
import type { SqlGraph } from "./graph-store";
import type { NormalizedIdentifier, Normalizer } from "./normalize";
import type { Outbox } from "./outbox";
import type { EventChange } from "./projection";
import { type Candidate, type Resolution, type ResolveRules, resolve } from "./resolve";
import type { Flag } from "./writes";

/** What happened to one event in {@link applyPrepared}. */
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
  /** For `stored`: the id of the event's row (as in D1's `events` and the archive), see {@link eventRowIdFor}. */
  eventRowId?: string;
  /**
   * For a `duplicate`: the delivery that stored the event, as the graph recorded it (absent for
   * claims older than that record). Equal to this event's own delivery id when the queue redelivered
   * a message whose effects were committed before.
   */
  storedBy?: string;
}

/** A workspace's rules, prepared for resolution (see resolver.ts, which caches one per rules version). */
export interface ResolverContext {
  normalizer: Normalizer;
  resolveRules: ResolveRules;
  /** Version of the rules in force (0 = defaults); recorded with each merge. */
  rulesVersion: number;
  /**
   * When those rules were saved (epoch ms; null for defaults never saved): with the version, what
   * tells two copies of the rules apart even where a version number was issued twice (a workspace
   * moved to a fresh database starts counting again).
   */
  rulesSavedAt: number | null;
}

/**
 * Counters of the work done (for the resolver's stats and the benchmark). The resolve path makes no
 * D1 call: `resolveD1Calls` stays 0 and is kept so the benchmark can say so from the object itself.
 * The projection's D1 work is counted apart. Times are milliseconds of wall time around D1 calls
 * (inside a Worker the clock only moves across I/O, so synchronous SQLite work reads as 0 here; the
 * benchmark times it from outside).
 */
export interface GraphMeter {
  batches: number;
  stored: number;
  duplicates: number;
  merges: number;
  drops: number;
  resolveD1Calls: number;
  projectionBatches: number;
  projectionEntries: number;
  projectionMs: number;
  projectionFailures: number;
}

/** A zeroed {@link GraphMeter}. */
export function newMeter(): GraphMeter {
  return {
    batches: 0,
    stored: 0,
    duplicates: 0,
    merges: 0,
    drops: 0,
    resolveD1Calls: 0,
    projectionBatches: 0,
    projectionEntries: 0,
    projectionMs: 0,
    projectionFailures: 0,
  };
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

/** An event normalized and hashed ahead of the transaction (hashing is asynchronous). */
export interface PreparedEvent {
  event: CanonicalEvent;
  eventRowId: string;
  normalized: NormalizedIdentifier[];
  candidates: Candidate[];
}

/**
 * Work on a batch that needs no graph, done before it reaches the object (by the queue consumer,
 * src/pipeline/precompute.ts): each event's identifiers normalized under rules version `rulesVersion`
 * and its stored id, in the batch's order. The object is one writer per workspace and the consumer
 * runs in as many isolates as the queue needs, so what can be computed outside the object is; phone
 * parsing alone cost a third of the object's time per event.
 */
export interface Precomputed {
  rulesVersion: number;
  rulesSavedAt: number | null;
  events: { eventRowId: string; normalized: NormalizedIdentifier[] }[];
}

/** {@link Precomputed} for `events` under `context` (the workspace's rules as the caller knows them). */
export async function precompute(
  events: readonly CanonicalEvent[],
  context: ResolverContext,
): Promise<Precomputed> {
  return {
    rulesVersion: context.rulesVersion,
    rulesSavedAt: context.rulesSavedAt,
    events: await Promise.all(
      events.map(async (event) => ({
        eventRowId: await eventRowIdFor(event),
        normalized: normalizeAll(event, context),
      })),
    ),
  };
}

/**
 * Normalizes each event's identifiers under the workspace's rules and derives its stored id; takes
 * both from `given` when it was computed under the rules in force (same version, same batch size),
 * and computes them here otherwise (rules changed since the caller read them, or nothing given).
 * Rules in force means the same version saved at the same time.
 */
export async function prepareEvents(
  events: readonly CanonicalEvent[],
  context: ResolverContext,
  given?: Precomputed,
): Promise<PreparedEvent[]> {
  const usable =
    given?.rulesVersion === context.rulesVersion &&
    given.rulesSavedAt === context.rulesSavedAt &&
    given.events.length === events.length;
  // Only ids not given need hashing (asynchronous): the usual batch, precomputed by the consumer,
  // is prepared without a promise per event.
  const ids = usable
    ? given.events.map((g) => g.eventRowId)
    : await Promise.all(events.map((event) => eventRowIdFor(event)));
  return events.map((event, i) => prepare(event, context, ids[i]!, usable ? given.events[i] : undefined));
}

/**
 * Applies prepared events, in order, to the workspace's identity graph in the object's SQLite: the
 * batch's owners and claims are read up front, then per event the dedupe claim is checked, the event resolved (resolve.ts) against the graph as the events
 * before it left it, the graph written, and the change added to the projection outbox. Synchronous:
 * call it inside one `ctx.storage.transactionSync`, so the whole batch (graph and outbox) commits or
 * nothing does. No D1 call; D1 receives the changes from the outbox (outbox.ts).
 * @throws on a storage error; the transaction then rolls back and re-applying the batch is safe
 */
export function applyPrepared(
  graph: SqlGraph,
  outbox: Outbox,
  prepared: readonly PreparedEvent[],
  context: ResolverContext,
  now: number,
  meter: GraphMeter = newMeter(),
): ApplyResult[] {
  const results: ApplyResult[] = [];
  const changes: EventChange[] = [];
  const rule = `shared_identifier@v${context.rulesVersion}`;
  meter.batches++;
  graph.prefetch(prepared);
  for (const p of prepared) {
    const claim = graph.claim(p.event.sourceId, p.event.eventKey);
    if (claim) {
      results.push({
        eventKey: p.event.eventKey,
        status: "duplicate",
        profileId: claim.profileId,
        merged: [],
        ...(claim.erased ? { erased: true as const } : {}),
        ...(claim.deliveryId ? { storedBy: claim.deliveryId } : {}),
      });
      meter.duplicates++;
      continue;
    }
    const resolution = resolve(p.candidates, graph, context.resolveRules, p.event.occurredAt);
    const profileId = resolution.profileId ?? newId("prf");
    graph.apply(resolution, profileId, p.event, p.eventRowId, rule, now);
    changes.push(eventChange(p, resolution, profileId, rule, context, now));
    meter.stored++;
    meter.merges += resolution.merges.length;
    meter.drops += resolution.dropped.length;
    results.push({
      eventKey: p.event.eventKey,
      status: "stored",
      profileId,
      eventRowId: p.eventRowId,
      merged: resolution.merges.map((m) => m.profileId),
      mergesBlocked: resolution.dropped.filter((d) => d.mergeRefused).map((d) => d.rule),
    });
  }
  graph.flushWrites();
  // The outbox rows of the whole batch in one statement, in event order (same transaction).
  outbox.addAll(changes, now);
  return results;
}

function normalizeAll(event: CanonicalEvent, context: ResolverContext): NormalizedIdentifier[] {
  const options = event.defaultRegion ? { defaultRegion: event.defaultRegion } : {};
  return event.identifiers.map((i) => context.normalizer.normalize(i, options));
}

function prepare(
  event: CanonicalEvent,
  context: ResolverContext,
  eventRowId: string,
  given?: Precomputed["events"][number],
): PreparedEvent {
  const normalized = given?.normalized ?? normalizeAll(event, context);
  const candidates = new Map<string, Candidate>();
  for (const n of normalized) {
    if (!n.ok) continue;
    const key = identifierKey(n);
    if (!candidates.has(key))
      candidates.set(key, {
        type: n.type,
        value: n.value,
        raw: n.raw,
        key,
        priority: context.normalizer.rule(n.type).priority,
      });
  }
  return { event, eventRowId, normalized, candidates: [...candidates.values()] };
}

/**
 * What D1 must do for one resolved event: the event row, the new profile, the merges, identifier
 * claims and touches, traits, review flags and quarantines (projection.ts turns it into statements;
 * activity indicators add theirs there).
 */
function eventChange(
  p: PreparedEvent,
  resolution: Resolution,
  profileId: string,
  rule: string,
  context: ResolverContext,
  now: number,
): EventChange {
  return {
    kind: "event",
    event: p.event,
    eventRowId: p.eventRowId,
    profileId,
    created: resolution.profileId === null,
    merges: resolution.merges,
    rule,
    fresh: resolution.fresh,
    owned: resolution.owned,
    links:
      resolution.links.length > 0
        ? { identifiers: resolution.links.map((l) => l.identifier), delta: resolution.links[0]!.delta }
        : null,
    traits: traitEntries(p),
    warnings: warningsFor(p, resolution, context),
    flags: flagsFor(resolution, profileId, context),
    quarantined: resolution.quarantined.map((q) => ({
      identifier: q.identifier,
      linkedProfiles: q.linkedProfiles,
    })),
    at: now,
  };
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
