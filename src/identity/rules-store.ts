import { log } from "../lib/log";
import type { ResolverContext } from "./graph";
import { Normalizer } from "./normalize";
import type { LimitedType } from "./resolve";
import { defaultRules, type IdentityRules, type IdentityRulesInput, IdentityRulesSchema } from "./rules";

/** A workspace's rules as stored: `version` 0 and `updatedAt` null mean the defaults were never changed. */
export interface StoredRules {
  workspace: string;
  version: number;
  /** Epoch ms of the last save, or null. */
  updatedAt: number | null;
  rules: IdentityRules;
}

/** The workspace's rules from D1 (the defaults when none were saved). */
export async function loadRules(db: D1Database, workspace: string): Promise<StoredRules> {
  const row = await db
    .prepare("SELECT rules, version, updated_at FROM identity_rules WHERE workspace = ?")
    .bind(workspace)
    .first<{ rules: string; version: number; updated_at: number }>();
  if (!row) return { workspace, version: 0, updatedAt: null, rules: defaultRules() };
  const parsed = IdentityRulesSchema.safeParse(JSON.parse(row.rules));
  if (!parsed.success) {
    // Only possible if the schema tightened after the save: resolving with defaults beats stopping.
    log.error("identity_rules_unreadable", { workspace, version: row.version });
    return { workspace, version: row.version, updatedAt: row.updated_at, rules: defaultRules() };
  }
  return { workspace, version: row.version, updatedAt: row.updated_at, rules: parsed.data };
}

/**
 * Replaces the workspace's rules (defaults filled in) and bumps the version. Call it only through the
 * workspace's IdentityResolver, so the change lands between two events and not inside one.
 * @throws ZodError when `input` is not valid rules (the admin route validates first)
 */
export async function saveRules(
  db: D1Database,
  workspace: string,
  input: IdentityRulesInput,
  now = Date.now(),
): Promise<StoredRules> {
  const rules = IdentityRulesSchema.parse(input);
  const row = await db
    .prepare(
      `INSERT INTO identity_rules (workspace, rules, version, updated_at) VALUES (?1, ?2, 1, ?3)
       ON CONFLICT (workspace) DO UPDATE SET rules = excluded.rules, version = identity_rules.version + 1,
         updated_at = excluded.updated_at
       RETURNING version`,
    )
    .bind(workspace, JSON.stringify(rules), now)
    .first<{ version: number }>();
  return { workspace, version: row!.version, updatedAt: now, rules };
}

/** Prepares stored rules for resolution: the compiled normalizer and the limited types, strongest first. */
export function resolverContext(stored: StoredRules): ResolverContext {
  const { rules } = stored;
  const limitedTypes: LimitedType[] = rules.identifierTypes
    .filter((t) => t.limit)
    .map((t) => ({ type: t.type, priority: t.priority, limit: t.limit! }))
    .sort((a, b) => a.priority - b.priority || (a.type < b.type ? -1 : 1));
  return {
    normalizer: new Normalizer(rules),
    resolveRules: {
      quarantineThreshold: rules.quarantineThreshold,
      maxIdentifiersPerProfile: rules.maxIdentifiersPerProfile,
      maxMergesPerProfile: rules.maxMergesPerProfile,
      limitedTypes,
    },
    rulesVersion: stored.version,
    rulesSavedAt: stored.updatedAt,
  };
}
