import { env, listDurableObjectIds } from "cloudflare:test";
import { workspaceDb } from "../../src/db/workspace-db";
import type { GraphSnapshot } from "../../src/identity/graph-store";
import type { Env } from "../../src/lib/env";

/**
 * Breaches of the identity graph's invariants (design invariant 3) in D1's projection, read in one
 * D1 batch so they describe one consistent state even while other tests write:
 * - an identifier value owned by two profiles of one workspace (the unique index forbids it; this
 *   guards the schema), or owned by a profile that is merged away or gone;
 * - an event attached to a profile that is not live;
 * - a redirect that does not land on a live profile in one hop.
 * Returns human-readable lines; empty when all hold.
 */
export async function identityGraphViolations(db: D1Database = env.DB): Promise<string[]> {
  const [shared, orphanIdentifiers, orphanEvents, redirects] = await db.batch<Record<string, unknown>>([
    db.prepare(
      `SELECT workspace, type, value, count(DISTINCT profile_id) AS owners FROM identifiers
       GROUP BY workspace, type, value HAVING owners > 1 LIMIT 10`,
    ),
    db.prepare(
      `SELECT i.workspace, i.type, i.value, i.profile_id FROM identifiers i LEFT JOIN profiles p ON p.id = i.profile_id
       WHERE p.id IS NULL OR p.merged_into IS NOT NULL LIMIT 10`,
    ),
    db.prepare(
      `SELECT e.id, e.profile_id FROM events e LEFT JOIN profiles p ON p.id = e.profile_id
       WHERE p.id IS NULL OR p.merged_into IS NOT NULL LIMIT 10`,
    ),
    db.prepare(
      `SELECT m.id, m.merged_into FROM profiles m LEFT JOIN profiles s ON s.id = m.merged_into
       WHERE m.merged_into IS NOT NULL AND (s.id IS NULL OR s.merged_into IS NOT NULL) LIMIT 10`,
    ),
  ]);
  return [
    ...shared!.results.map((r) => `identifier owned by ${r.owners} profiles: ${JSON.stringify(r)}`),
    ...orphanIdentifiers!.results.map(
      (r) => `identifier on a profile that is not live: ${JSON.stringify(r)}`,
    ),
    ...orphanEvents!.results.map((r) => `event on a profile that is not live: ${JSON.stringify(r)}`),
    ...redirects!.results.map((r) => `redirect that does not land on a live profile: ${JSON.stringify(r)}`),
  ];
}

/** D1's projection of one workspace, shaped like the object's {@link GraphSnapshot}. */
export async function projectedGraph(
  workspace: string,
  db: D1Database = env.DB,
): Promise<Pick<GraphSnapshot, "profiles" | "redirects" | "quarantined">> {
  const [profiles, identifiers, quarantine] = await db.batch<Record<string, string | null>>([
    db.prepare("SELECT id, merged_into FROM profiles WHERE workspace = ?").bind(workspace),
    db
      .prepare("SELECT type, value, profile_id FROM identifiers WHERE workspace = ? ORDER BY type, value")
      .bind(workspace),
    db
      .prepare("SELECT type, value FROM identifier_quarantine WHERE workspace = ? ORDER BY type, value")
      .bind(workspace),
  ]);
  const live: Record<string, string[]> = {};
  const redirects: Record<string, string> = {};
  for (const p of profiles!.results)
    if (p.merged_into) redirects[p.id!] = p.merged_into;
    else live[p.id!] = [];
  for (const i of identifiers!.results) {
    live[i.profile_id!] ??= [];
    live[i.profile_id!]!.push(`${i.type}:${i.value}`);
  }
  return { profiles: live, redirects, quarantined: quarantine!.results.map((q) => `${q.type}:${q.value}`) };
}

/** What each IdentityResolver's graph was last checked at (its last outbox number), to skip unchanged ones. */
const checked = new Map<string, number>();

/**
 * Differences between each IdentityResolver's graph (authoritative) and D1's projection of it, once
 * every pending change is projected: the same live profiles with the same identifiers, the same
 * redirects, the same quarantined values. Objects unchanged since their last check are skipped.
 */
export async function projectionMismatches(): Promise<string[]> {
  const out: string[] = [];
  for (const id of await listDurableObjectIds(env.IDENTITY_RESOLVER)) {
    const stub = env.IDENTITY_RESOLVER.get(id);
    let snapshot = await stub.graphSnapshot();
    const workspace = snapshot.workspace;
    if (!workspace || checked.get(id.toString()) === snapshot.lastSeq) continue;
    if (snapshot.pending > 0) {
      try {
        await stub.awaitProjection();
      } catch (error) {
        out.push(`workspace ${workspace}: projection cannot drain: ${String(error)}`);
        continue;
      }
      snapshot = await stub.graphSnapshot();
    }
    // A workspace may have its own database (WORKSPACE_DATABASES): the projection is compared there.
    const projected = await projectedGraph(workspace, workspaceDb(env as unknown as Env, workspace));
    const graph = {
      profiles: snapshot.profiles,
      redirects: snapshot.redirects,
      quarantined: snapshot.quarantined,
    };
    if (canonical(graph) !== canonical(projected))
      out.push(
        `workspace ${workspace}: graph and D1 projection differ:\n  graph ${canonical(graph)}\n  d1    ${canonical(projected)}`,
      );
    else checked.set(id.toString(), snapshot.lastSeq);
  }
  return out;
}

function canonical(graph: Pick<GraphSnapshot, "profiles" | "redirects" | "quarantined">): string {
  const sortKeys = <T>(o: Record<string, T>) =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({
    profiles: sortKeys(
      Object.fromEntries(Object.entries(graph.profiles).map(([k, v]) => [k, [...v].sort()])),
    ),
    redirects: sortKeys(graph.redirects),
    quarantined: [...graph.quarantined].sort(),
  });
}

/** Throws when {@link identityGraphViolations} or {@link projectionMismatches} finds any. */
export async function expectIdentityInvariants(db: D1Database = env.DB): Promise<void> {
  const violations = [...(await identityGraphViolations(db)), ...(await projectionMismatches())];
  if (violations.length > 0) throw new Error(`identity graph invariants broken:\n${violations.join("\n")}`);
}
