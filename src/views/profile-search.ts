import { Normalizer } from "../identity/normalize";
import type { IdentityRules } from "../identity/rules";
import { loadRules } from "../identity/rules-store";
import { isoTime } from "../lib/stored";

/** How many identifiers a search result shows of each profile. */
export const SUMMARY_IDENTIFIERS = 5;

/** A live profile as a search result shows it. Times are ISO-8601. */
export interface ProfileSummary {
  id: string;
  /** Its first {@link SUMMARY_IDENTIFIERS} identifiers (by type, then value). */
  identifiers: { type: string; value: string }[];
  identifierCount: number;
  createdAt: string;
  updatedAt: string;
}

/** One search result: the profile and the identifier that matched (null when browsing). */
export interface ProfileMatch {
  profile: ProfileSummary;
  matched: { type: string; value: string } | null;
}

/** What to look for. Without `value`: the workspace's newest live profiles. */
export interface ProfileSearch {
  /** Identifier type; omitted: a value of any type. */
  type?: string;
  value?: string;
  /** `exact` (default): the value as ingest would normalize it; `prefix`: match keys starting with it. */
  match?: "exact" | "prefix";
  /** Region to read a national phone number in (exact matches). */
  region?: string;
  /** Page size, 1–100. */
  limit: number;
  /** Position after which the page starts: from a previous page's `next`. */
  after?: SearchPosition | undefined;
}

/**
 * Keyset position: `[createdAt, profileId]` when browsing newest first, `[value, type]` when
 * searching (results are in match-key order).
 */
export type SearchPosition = [number | string, string];

/** A page of results and the position to continue after (null on the last page). */
export interface ProfileSearchPage {
  data: ProfileMatch[];
  next: SearchPosition | null;
}

// U+10FFFF sorts after every character under SQLite's BINARY (UTF-8 byte) collation, so
// [prefix, prefix + MAX) is exactly the keys that start with prefix, and the range uses the index.
const MAX_CHAR = String.fromCodePoint(0x10ffff);

interface MatchRow {
  type: string;
  value: string;
  profile_id: string;
}

/**
 * Searches a workspace's live profiles by identifier, or lists its newest ones. Every query is an index
 * range read of at most `limit + 1` rows per spelling (identifiers by `(workspace, type, value)` or
 * `(workspace, value, type)`, profiles by `(workspace, created_at)`), so a page costs the same with
 * 100,000 profiles as with ten.
 *
 * Spellings: an exact search looks for the value as ingest would store it under each identifier type
 * of the workspace's rules (email folding, E.164 phones) and as written; a prefix search folds case
 * for email and lower-case types and keeps only `+` and digits for phones. Results are identifier
 * matches: a profile with two matching identifiers is listed twice, once with each.
 */
export async function searchProfiles(
  db: D1Database,
  workspace: string,
  search: ProfileSearch,
): Promise<ProfileSearchPage> {
  const limit = Math.max(1, Math.min(search.limit, 100));
  const value = search.value?.trim();
  if (!value) return browse(db, workspace, limit, search.after);
  const { rules } = await loadRules(db, workspace);
  const type = search.type?.trim().toLowerCase() || undefined;
  const match = search.match ?? "exact";
  const spellings =
    match === "exact"
      ? exactSpellings(rules, value, type, search.region)
      : prefixSpellings(rules, value, type);
  const after = search.after && { value: String(search.after[0]), type: search.after[1] };
  // Conditions are spelled out per case (no `?n IS NULL OR ...`) so the planner sees plain ranges:
  // with a type, the (workspace, type, value) index; without, (workspace, value, type).
  const pages = await db.batch(
    spellings.map((s) => {
      const from = after && compare(after.value, s) > 0 ? after.value : s;
      const to = match === "exact" ? s : s + MAX_CHAR;
      return db
        .prepare(
          `SELECT type, value, profile_id FROM identifiers
           WHERE workspace = ?1 ${type ? "AND type = ?2" : "AND ?2 IS NULL"}
             AND value >= ?3 AND value ${match === "exact" ? "<=" : "<"} ?4
             ${after ? "AND (value > ?5 OR type > ?6)" : ""}
           ORDER BY value, type LIMIT ?7`,
        )
        .bind(workspace, type ?? null, from, to, after?.value ?? null, after?.type ?? null, limit + 1);
    }),
  );
  // Keyset merge of the per-spelling pages: all are in (value, type) order after the same position.
  const seen = new Set<string>();
  const rows = pages
    .flatMap((p) => p.results as unknown as MatchRow[])
    .filter((r) => {
      const key = `${r.type}\u0000${r.value}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => compare(a.value, b.value) || compare(a.type, b.type));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const summaries = await summarize(db, [...new Set(page.map((r) => r.profile_id))]);
  const data = page.flatMap((r) => {
    const profile = summaries.get(r.profile_id);
    return profile ? [{ profile, matched: { type: r.type, value: r.value } }] : [];
  });
  return { data, next: rows.length > limit && last ? [last.value, last.type] : null };
}

async function browse(
  db: D1Database,
  workspace: string,
  limit: number,
  after: SearchPosition | undefined,
): Promise<ProfileSearchPage> {
  const at = after && Number.isFinite(Number(after[0])) ? Number(after[0]) : null;
  const { results } = await db
    .prepare(
      `SELECT id, created_at FROM profiles
       WHERE workspace = ?1 AND +merged_into IS NULL
         ${at !== null ? "AND created_at <= ?2 AND (created_at < ?2 OR id < ?3)" : "AND ?2 IS NULL AND ?3 IS NULL"}
       ORDER BY created_at DESC, id DESC LIMIT ?4`,
    )
    .bind(workspace, at, at !== null ? after![1] : null, limit + 1)
    .all<{ id: string; created_at: number }>();
  const page = results.slice(0, limit);
  const summaries = await summarize(
    db,
    page.map((r) => r.id),
  );
  const last = page.at(-1);
  return {
    data: page.flatMap((r) => {
      const profile = summaries.get(r.id);
      return profile ? [{ profile, matched: null }] : [];
    }),
    next: results.length > limit && last ? [last.created_at, last.id] : null,
  };
}

/** Summaries of live profiles `ids` (two indexed reads, whatever the page size). */
async function summarize(db: D1Database, ids: string[]): Promise<Map<string, ProfileSummary>> {
  if (ids.length === 0) return new Map();
  const json = JSON.stringify(ids);
  const [profiles, identifiers] = await db.batch([
    db
      .prepare(
        `SELECT p.id, p.created_at, p.updated_at,
           (SELECT count(*) FROM identifiers i WHERE i.profile_id = p.id) AS identifier_count
         FROM profiles p WHERE p.id IN (SELECT value FROM json_each(?1)) AND +p.merged_into IS NULL`,
      )
      .bind(json),
    db
      .prepare(
        `SELECT profile_id, type, value FROM (
           SELECT profile_id, type, value,
             row_number() OVER (PARTITION BY profile_id ORDER BY type, value) AS n
           FROM identifiers WHERE profile_id IN (SELECT value FROM json_each(?1)))
         WHERE n <= ?2 ORDER BY profile_id, type, value`,
      )
      .bind(json, SUMMARY_IDENTIFIERS),
  ]);
  const out = new Map<string, ProfileSummary>();
  for (const p of profiles!.results as {
    id: string;
    created_at: number;
    updated_at: number;
    identifier_count: number;
  }[])
    out.set(p.id, {
      id: p.id,
      identifiers: [],
      identifierCount: p.identifier_count,
      createdAt: isoTime(p.created_at),
      updatedAt: isoTime(p.updated_at),
    });
  for (const i of identifiers!.results as unknown as MatchRow[])
    out.get(i.profile_id)?.identifiers.push({ type: i.type, value: i.value });
  return out;
}

/** The match keys ingest could have stored `value` as: under `type`, or under every type of the rules. */
function exactSpellings(
  rules: IdentityRules,
  value: string,
  type: string | undefined,
  region?: string,
): string[] {
  const normalizer = new Normalizer(rules);
  const types = type ? [type] : [...rules.identifierTypes.map((t) => t.type), "text"];
  // A value the rules refuse now may have been stored before they changed: the written form too.
  const spellings = new Set([value]);
  for (const t of types) {
    const n = normalizer.normalize({ type: t, value }, region ? { defaultRegion: region } : {});
    if (n.ok) spellings.add(n.value);
  }
  return [...spellings];
}

/** Prefixes of match keys a partial `value` can start (see {@link searchProfiles}). */
function prefixSpellings(rules: IdentityRules, value: string, type: string | undefined): string[] {
  const normalizer = new Normalizer(rules);
  const kinds = type
    ? [normalizer.rule(type).normalization]
    : ["text", ...rules.identifierTypes.map((t) => normalizer.rule(t.type).normalization)];
  const spellings = new Set<string>();
  for (const kind of kinds) {
    if (kind === "email" || kind === "lowercase") spellings.add(value.toLowerCase());
    else if (kind === "phone") {
      const digits = value.replace(/[^\d]/g, "");
      // Stored phones are E.164: a prefix without its + is read as starting with the country code.
      if (digits !== "") spellings.add(`+${digits}`);
    } else spellings.add(value);
  }
  return [...spellings];
}

function compare(a: string, b: string): number {
  // Code-unit order differs from SQLite's UTF-8 byte order only above U+FFFF; byte order is the one
  // the index pages are in, so compare encoded bytes when either side leaves the BMP.
  if (a === b) return 0;
  if (!/[\uD800-\uDFFF]/.test(a + b)) return a < b ? -1 : 1;
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
