import { DEFAULT_BLOCKED_PATTERNS, DEFAULT_BLOCKED_VALUES } from "./blocklist";
import type { StoredRules } from "./rules-store";

/** What a rules change affects: said in every rules answer so nobody expects a re-resolution. */
export const RULES_APPLY_TO =
  "events processed after the change; profiles and merges made before it are not re-resolved";

/** Stored rules shaped for the admin API, with the built-in blocklist spelled out. Times are ISO-8601. */
export function rulesView(stored: StoredRules) {
  return {
    workspace: stored.workspace,
    version: stored.version,
    updatedAt: stored.updatedAt === null ? null : new Date(stored.updatedAt).toISOString(),
    rules: stored.rules,
    builtInBlocklist: {
      values: [...DEFAULT_BLOCKED_VALUES],
      patterns: DEFAULT_BLOCKED_PATTERNS.map(({ type, pattern, why }) => ({
        ...(type ? { type } : {}),
        pattern,
        why,
      })),
    },
    appliesTo: RULES_APPLY_TO,
  };
}
