import { env } from "cloudflare:test";

/**
 * Breaches of the identity graph's invariants (design invariant 3), read in one D1 batch so they
 * describe one consistent state even while other tests write:
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

/** Throws when {@link identityGraphViolations} finds any. */
export async function expectIdentityInvariants(db: D1Database = env.DB): Promise<void> {
  const violations = await identityGraphViolations(db);
  if (violations.length > 0) throw new Error(`identity graph invariants broken:\n${violations.join("\n")}`);
}
