import { isoTime } from "../lib/stored";
import { type MergeView, ProfileReader } from "./profiles";

/** Most identifier nodes a graph holds; the rest are counted in `omittedIdentifiers`. */
export const MAX_GRAPH_IDENTIFIERS = 100;

/**
 * A node of a profile's identity graph: the live profile, an identifier it owns, or a profile merged
 * into it. Identifier node ids are `identifier:<type>:<value>`; profile node ids are the profile ids.
 */
export interface GraphNode {
  id: string;
  kind: "profile" | "identifier" | "merged_profile";
  /** Text to show: the profile id, or `<type>:<value>`. */
  label: string;
  /** Identifiers only: the first spelling seen. */
  rawValue?: string;
  /** Identifiers only: quarantined values no longer match or merge. */
  quarantined?: boolean;
  /** Identifiers: first seen (event time); profiles: created. ISO-8601. */
  since: string;
}

/**
 * An edge: `has_identifier` (profile → identifier), or `merged_into` (merged profile → the profile
 * that absorbed it) with why: the identifier that linked them, the event and the rule.
 */
export type GraphEdge =
  | { kind: "has_identifier"; from: string; to: string }
  | {
      kind: "merged_into";
      from: string;
      to: string;
      /** Node id of the identifier that linked the two profiles (a node of the graph). */
      via: string;
      merge: MergeView;
    };

/** The identity graph of one live profile, for drawing. */
export interface ProfileGraph {
  profileId: string;
  workspace: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Identifiers left out past {@link MAX_GRAPH_IDENTIFIERS}. */
  omittedIdentifiers: number;
}

/** Node id of identifier `type:value`. */
export function identifierNodeId(type: string, value: string): string {
  return `identifier:${type}:${value}`;
}

/**
 * The identity graph of the live profile `id` redirects to: its identifiers and every profile merged
 * into it (directly or through a profile that was itself merged), each with the merge that explains it.
 * Four indexed reads (identifiers by profile, merged profiles by `merged_into`, merges by survivor).
 * Null when the profile is unknown.
 */
export async function profileGraph(db: D1Database, id: string): Promise<ProfileGraph | null> {
  const reader = new ProfileReader(db);
  const live = await reader.live(id);
  if (!live) return null;
  const [[identifiers, count, merged], merges] = await Promise.all([
    db.batch([
      db
        .prepare(
          `SELECT i.type, i.value, i.raw_value, i.first_seen_at,
             EXISTS (SELECT 1 FROM identifier_quarantine q WHERE q.workspace = i.workspace AND q.type = i.type AND q.value = i.value) AS quarantined
           FROM identifiers i WHERE i.profile_id = ? ORDER BY i.type, i.value LIMIT ?`,
        )
        .bind(live.id, MAX_GRAPH_IDENTIFIERS),
      db.prepare("SELECT count(*) AS n FROM identifiers WHERE profile_id = ?").bind(live.id),
      db
        .prepare("SELECT id, created_at FROM profiles WHERE merged_into = ? ORDER BY created_at, id")
        .bind(live.id),
    ]),
    reader.merges(live.id),
  ]);
  const nodes: GraphNode[] = [
    { id: live.id, kind: "profile", label: live.id, since: isoTime(live.createdAt) },
  ];
  const edges: GraphEdge[] = [];
  const identifierRows = identifiers!.results as {
    type: string;
    value: string;
    raw_value: string;
    first_seen_at: number;
    quarantined: number;
  }[];
  const known = new Set<string>();
  for (const i of identifierRows) {
    const node = identifierNodeId(i.type, i.value);
    known.add(node);
    nodes.push({
      id: node,
      kind: "identifier",
      label: `${i.type}:${i.value}`,
      rawValue: i.raw_value,
      quarantined: i.quarantined === 1,
      since: isoTime(i.first_seen_at),
    });
    edges.push({ kind: "has_identifier", from: live.id, to: node });
  }
  for (const p of merged!.results as { id: string; created_at: number }[])
    nodes.push({ id: p.id, kind: "merged_profile", label: p.id, since: isoTime(p.created_at) });
  for (const m of merges) {
    const via = identifierNodeId(m.identifier.type, m.identifier.value);
    // The linking value may have left the profile since (erased events, cap) or be past the node cap:
    // it is still drawn, since it is the reason for the merge.
    if (!known.has(via)) {
      known.add(via);
      nodes.push({
        id: via,
        kind: "identifier",
        label: `${m.identifier.type}:${m.identifier.value}`,
        since: m.createdAt,
      });
    }
    edges.push({ kind: "merged_into", from: m.mergedId, to: m.survivorId, via, merge: m });
  }
  const total = (count!.results[0] as { n: number } | undefined)?.n ?? identifierRows.length;
  return {
    profileId: live.id,
    workspace: live.workspace,
    nodes,
    edges,
    omittedIdentifiers: Math.max(0, total - identifierRows.length),
  };
}
