import type { Outbox } from "./outbox";

/**
 * Erases the live profile `profileId` redirects to, and every profile merged into it, from the graph:
 * identifiers, profiles, redirects, merge log entries and the quarantined values among its
 * identifiers. The claims of its events are kept, marked erased (an event key is not personal data),
 * so a redelivery is ignored rather than recreating the person. The erase change goes to the outbox
 * in the same transaction; D1 and R2 follow from there. Call inside `transactionSync`.
 * @returns false when no such profile exists
 */
export function eraseInGraph(
  sql: SqlStorage,
  outbox: Outbox,
  profileId: string,
  receiptId: string,
  now: number,
): boolean {
  const row = sql
    .exec<{ id: string; merged_into: string | null }>(
      "SELECT id, merged_into FROM graph_profiles WHERE id = ?",
      profileId,
    )
    .toArray()[0];
  if (!row) return false;
  const live = row.merged_into ?? row.id;
  const family = JSON.stringify(
    sql
      .exec<{ id: string }>("SELECT id FROM graph_profiles WHERE id = ?1 OR merged_into = ?1", live)
      .toArray()
      .map((r) => r.id),
  );
  const IN_FAMILY = "(SELECT value FROM json_each(?))";
  sql.exec(
    `DELETE FROM graph_quarantine WHERE (type, value) IN (SELECT type, value FROM graph_identifiers WHERE profile_id = ?)`,
    live,
  );
  sql.exec("DELETE FROM graph_identifiers WHERE profile_id = ?", live);
  sql.exec(
    `UPDATE graph_event_claims SET erased = 1, profile_id = '' WHERE profile_id IN ${IN_FAMILY}`,
    family,
  );
  sql.exec(
    `DELETE FROM graph_merges WHERE survivor_id IN ${IN_FAMILY} OR merged_id IN ${IN_FAMILY}`,
    family,
    family,
  );
  sql.exec(`DELETE FROM graph_profiles WHERE id IN ${IN_FAMILY}`, family);
  outbox.add({ kind: "erase", profileId: live, receiptId, at: now }, now);
  return true;
}

/**
 * Releases a quarantined value (an operator reviewed it) and resets its link count, so it is judged
 * afresh from the next event on; D1 follows through the outbox. Call inside `transactionSync`.
 * @returns false when the value was not quarantined
 */
export function releaseInGraph(
  sql: SqlStorage,
  outbox: Outbox,
  type: string,
  value: string,
  now: number,
): boolean {
  const deleted = sql.exec(
    "DELETE FROM graph_quarantine WHERE type = ? AND value = ?",
    type,
    value,
  ).rowsWritten;
  if (deleted === 0) return false;
  sql.exec("UPDATE graph_identifiers SET link_count = 0 WHERE type = ? AND value = ?", type, value);
  outbox.add({ kind: "release", type, value }, now);
  return true;
}
