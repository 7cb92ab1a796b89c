import { isoTime, storedJson } from "../lib/stored";
import type { FlagKind } from "./writes";

/** An identity decision flagged for review, as operators see it. Times are ISO-8601. */
export interface IdentityFlag {
  id: string;
  kind: FlagKind;
  identifier: { type: string; value: string } | null;
  profileIds: string[];
  /** Stored event that led to the decision. */
  eventId: string | null;
  /** `limit:<type>`, `max_identifiers`, `max_merges` or `quarantine_threshold`. */
  rule: string;
  detail: string;
  createdAt: string;
}

interface FlagRow {
  id: string;
  kind: FlagKind;
  identifier_type: string | null;
  identifier_value: string | null;
  profile_ids: string;
  event_id: string | null;
  rule: string;
  detail: string;
  created_at: number;
}

const COLUMNS =
  "id, kind, identifier_type, identifier_value, profile_ids, event_id, rule, detail, created_at";

/**
 * The workspace's review flags, newest first, optionally of one kind (`limit` ≤ 501: a page and a
 * look-ahead row), after `before` (`[createdAt ms, id]` of the previous page's last flag). An index
 * range on `(workspace, created_at)`.
 */
export async function listFlags(
  db: D1Database,
  workspace: string,
  options: { kind?: FlagKind | undefined; limit?: number; before?: [number, string] | undefined } = {},
): Promise<IdentityFlag[]> {
  const { before } = options;
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM identity_flags WHERE workspace = ?1 AND (?2 IS NULL OR kind = ?2)
       ${before ? "AND created_at <= ?4 AND (created_at < ?4 OR id < ?5)" : "AND ?4 IS NULL AND ?5 IS NULL"}
       ORDER BY created_at DESC, id DESC LIMIT ?3`,
    )
    .bind(
      workspace,
      options.kind ?? null,
      Math.min(options.limit ?? 100, 501),
      before?.[0] ?? null,
      before?.[1] ?? null,
    )
    .all<FlagRow>();
  return results.map(flagView);
}

/** Flags that name any of `profileIds`, oldest first. */
export async function listFlagsOfProfiles(
  db: D1Database,
  workspace: string,
  profileIds: readonly string[],
): Promise<IdentityFlag[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM identity_flags f WHERE workspace = ?1
         AND EXISTS (SELECT 1 FROM json_each(f.profile_ids) p WHERE p.value IN (SELECT value FROM json_each(?2)))
       ORDER BY created_at, id`,
    )
    .bind(workspace, JSON.stringify(profileIds))
    .all<FlagRow>();
  return results.map(flagView);
}

function flagView(r: FlagRow): IdentityFlag {
  return {
    id: r.id,
    kind: r.kind,
    identifier:
      r.identifier_type !== null && r.identifier_value !== null
        ? { type: r.identifier_type, value: r.identifier_value }
        : null,
    profileIds: storedJson<string[]>(r.profile_ids, []),
    eventId: r.event_id,
    rule: r.rule,
    detail: r.detail,
    createdAt: isoTime(r.created_at),
  };
}
