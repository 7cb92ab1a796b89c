import type { IdentityRules } from "./rules";

/** An event's identifier that may be a match key: normalized, with its type's priority and limit. */
export interface Candidate {
  type: string;
  value: string;
  raw: string;
  /** `type \0 value`: the identity of the identifier within a workspace. */
  key: string;
  /** 1 is the strongest. */
  priority: number;
}

/** What resolution needs to know about a live profile. Times are epoch ms. */
export interface ProfileFacts {
  id: string;
  createdAt: number;
  /** Merges in this profile's history (its own and those of the profiles it absorbed). */
  mergeCount: number;
  identifierCount: number;
  /** Values of limited identifier types: type → value → last seen (event time, epoch ms). */
  limited: Map<string, Map<string, number>>;
}

/** Read access to the workspace's identity graph, as far as one event needs it. */
export interface GraphView {
  /** Live profile owning the identifier `key`, if any. */
  owner(key: string): string | undefined;
  profile(id: string): ProfileFacts;
  /** Other profiles the identifier has linked or tried to link so far. */
  linkCount(key: string): number;
  isQuarantined(key: string): boolean;
}

/** Why an identifier of the event was not used (merge protection), for the event's warnings and a flag. */
export interface Drop {
  identifier: Candidate;
  /** `limit:<type>`, `max_identifiers` or `max_merges`. */
  rule: string;
  /** A refused merge (cap) rather than a limit on one type. */
  mergeRefused: boolean;
  /** Profiles involved in the conflict. */
  profiles: string[];
  detail: string;
}

/** The outcome of resolving one event; apply it with the write side (graph.ts). */
export interface Resolution {
  /** The live profile the event belongs to; `null` means a new profile. */
  profileId: string | null;
  /** Profiles merged into `profileId`, each with the event identifier that linked it. */
  merges: { profileId: string; via: Candidate }[];
  /** Identifiers kept on the profile that already belong to one of the matched profiles. */
  owned: Candidate[];
  /** Identifiers nobody owns yet: claimed by the profile. */
  fresh: Candidate[];
  dropped: Drop[];
  /** Values this event pushed over the quarantine threshold (now quarantined). */
  quarantined: { identifier: Candidate; linkedProfiles: number; profiles: string[] }[];
  /** Values already quarantined: carried by the event but not used. */
  skipped: Candidate[];
  /** Owned identifiers (used or dropped) whose link count grows, and by how much. */
  links: { identifier: Candidate; delta: number }[];
}

/** A limited identifier type. */
export interface LimitedType {
  type: string;
  priority: number;
  limit: { count: number; windowSeconds?: number };
}

/** The parts of a workspace's rules that resolution needs; `limitedTypes` strongest first. */
export type ResolveRules = Pick<
  IdentityRules,
  "quarantineThreshold" | "maxIdentifiersPerProfile" | "maxMergesPerProfile"
> & { limitedTypes: readonly LimitedType[] };

/**
 * Resolves one event's identifiers against the graph with Segment Unify's algorithm: find the profiles
 * that own any identifier; none → a new profile; one → add to it; several → merge into the oldest
 * (then lowest id). Before accepting, merge protection checks every limit (per-type limits, optionally
 * within a time window, and the caps on identifiers and merges per profile); on a violation the
 * lowest-priority identifier of the event that takes part in the conflict is dropped and matching is
 * re-run. Then any value that would have linked more than `quarantineThreshold` profiles is
 * quarantined and matching re-runs without it.
 *
 * Pure and deterministic: the result depends on the graph and the candidates, not on their order.
 * @see https://segment.com/docs/unify/identity-resolution/identity-resolution-settings/
 * @see https://segment.com/docs/unify/faqs/ ("How does Unify handle identity merging?")
 */
export function resolve(
  candidates: readonly Candidate[],
  graph: GraphView,
  rules: ResolveRules,
  occurredAt: number,
): Resolution {
  const sorted = [...candidates].sort(byPriority);
  const skipped = sorted.filter((c) => graph.isQuarantined(c.key));
  const quarantinedNow: Resolution["quarantined"] = [];
  const excluded = new Set(skipped.map((c) => c.key));

  for (;;) {
    const active = sorted.filter((c) => !excluded.has(c.key));
    const dropped: Drop[] = [];
    let matched = matchedProfiles(active, graph);
    for (;;) {
      const violation = findViolation(active, matched, graph, rules, occurredAt);
      if (!violation || violation.conflicting.length === 0) break;
      const victim = violation.conflicting.reduce((weakest, c) => (byPriority(c, weakest) > 0 ? c : weakest));
      dropped.push({
        identifier: victim,
        rule: violation.rule,
        mergeRefused: violation.mergeRefused && graph.owner(victim.key) !== undefined,
        profiles: matched,
        detail: violation.detail,
      });
      active.splice(active.indexOf(victim), 1);
      matched = matchedProfiles(active, graph);
    }

    const survivor = matched[0] ?? null;
    const involved = [...active, ...dropped.map((d) => d.identifier)].filter((c) => graph.owner(c.key));
    const linked = new Set(involved.map((c) => graph.owner(c.key)!));
    linked.add(survivor ?? NEW);
    const delta = linked.size - 1;
    const over =
      delta > 0 ? involved.filter((c) => 1 + graph.linkCount(c.key) + delta > rules.quarantineThreshold) : [];
    if (over.length > 0) {
      for (const c of over) {
        quarantinedNow.push({
          identifier: c,
          linkedProfiles: 1 + graph.linkCount(c.key) + delta,
          profiles: [...linked].filter((id) => id !== NEW),
        });
        excluded.add(c.key);
      }
      continue;
    }

    const owned = active.filter((c) => graph.owner(c.key) !== undefined);
    const merges = matched.slice(1).map((profileId) => ({
      profileId,
      via: active.find((c) => graph.owner(c.key) === profileId)!,
    }));
    return {
      profileId: survivor,
      merges,
      owned,
      fresh: active.filter((c) => graph.owner(c.key) === undefined),
      dropped,
      quarantined: quarantinedNow,
      skipped,
      links: delta > 0 ? involved.map((identifier) => ({ identifier, delta })) : [],
    };
  }
}

/** Stands for the profile the event would create, when it matches none. */
const NEW = "\u0000new";

/** Orders by priority (strongest first), then type, then value: the order never depends on input order. */
export function byPriority(a: Candidate, b: Candidate): number {
  return a.priority - b.priority || compare(a.type, b.type) || compare(a.value, b.value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Distinct owners of `active`, survivor first: oldest `createdAt`, then lowest id. */
function matchedProfiles(active: readonly Candidate[], graph: GraphView): string[] {
  const ids = new Set<string>();
  for (const c of active) {
    const owner = graph.owner(c.key);
    if (owner) ids.add(owner);
  }
  return [...ids].sort((a, b) => {
    const pa = graph.profile(a);
    const pb = graph.profile(b);
    return pa.createdAt - pb.createdAt || compare(a, b);
  });
}

interface Violation {
  rule: string;
  detail: string;
  mergeRefused: boolean;
  /** Event identifiers taking part in the conflict; the weakest is dropped. */
  conflicting: Candidate[];
}

function findViolation(
  active: readonly Candidate[],
  matched: readonly string[],
  graph: GraphView,
  rules: ResolveRules,
  occurredAt: number,
): Violation | undefined {
  const profiles = matched.map((id) => graph.profile(id));
  const fresh = active.filter((c) => graph.owner(c.key) === undefined);
  const linkers = active.filter((c) => graph.owner(c.key) !== undefined);

  if (profiles.length > 1) {
    const merges = profiles.reduce((n, p) => n + p.mergeCount, 0) + profiles.length - 1;
    if (merges > rules.maxMergesPerProfile)
      return {
        rule: "max_merges",
        detail: `merging ${profiles.length} profiles would make ${merges} merges (cap ${rules.maxMergesPerProfile})`,
        mergeRefused: true,
        conflicting: linkers,
      };
  }
  const identifiers = profiles.reduce((n, p) => n + p.identifierCount, 0) + fresh.length;
  if (identifiers > rules.maxIdentifiersPerProfile)
    return {
      rule: "max_identifiers",
      detail: `the profile would hold ${identifiers} identifiers (cap ${rules.maxIdentifiersPerProfile})`,
      mergeRefused: profiles.length > 1,
      conflicting: profiles.length > 1 ? [...linkers, ...fresh] : fresh,
    };

  // Every limited type, not only the event's: merging two profiles can break a limit of a type the
  // event does not carry (two user_ids joined through a shared email).
  for (const { type, limit } of rules.limitedTypes) {
    const since = limit.windowSeconds === undefined ? -Infinity : occurredAt - limit.windowSeconds * 1000;
    const ofType = active.filter((c) => c.type === type);
    // Growth needs the event's own values of the type, or two profiles joined: without either the
    // union is one profile's own set, which only growth could put over the limit (see below).
    if (ofType.length === 0 && profiles.length <= 1) continue;
    const union = new Set<string>();
    let largest = 0;
    const contributing = new Set<string>();
    for (const p of profiles) {
      const own = new Set<string>();
      for (const [value, seen] of p.limited.get(type) ?? []) if (seen >= since) own.add(value);
      // The event's own values count as seen now, whenever their owner last saw them.
      for (const c of ofType) if (graph.owner(c.key) === p.id) own.add(c.value);
      if (own.size > 0) contributing.add(p.id);
      largest = Math.max(largest, own.size);
      for (const value of own) union.add(value);
    }
    for (const c of ofType) union.add(c.value);
    // A profile already over a (since tightened) limit is not punished for what it holds: only growth counts.
    if (union.size <= limit.count || union.size <= largest) continue;
    const window = limit.windowSeconds === undefined ? "" : ` within ${limit.windowSeconds}s`;
    return {
      rule: `limit:${type}`,
      detail: `${union.size} ${type} values on one profile${window} (limit ${limit.count})`,
      mergeRefused: false,
      conflicting: active.filter((c) => {
        const owner = graph.owner(c.key);
        if (owner !== undefined) return contributing.has(owner);
        return c.type === type;
      }),
    };
  }
  return undefined;
}
