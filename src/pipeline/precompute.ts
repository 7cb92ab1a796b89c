import { workspaceDb } from "../db/workspace-db";
import type { CanonicalEvent } from "../events/event";
import { type Precomputed, precompute, type ResolverContext } from "../identity/graph";
import { loadRules, resolverContext } from "../identity/rules-store";
import type { Env } from "../lib/env";
import { log } from "../lib/log";

/** How long a consumer isolate trusts its copy of a workspace's rules (ms). */
const RULES_TTL_MS = 30_000;

/** Workspaces whose rules an isolate keeps (each with its normalizer's memo); the oldest read go first. */
const MAX_WORKSPACES = 64;

/** Workspaces' rules as this isolate last read them, compiled: workspace → context and when read. */
const contexts = new Map<string, { context: ResolverContext; readAt: number }>();

/**
 * The part of applying `events` (all of `workspace`) that needs no graph, done here in the consumer
 * rather than in the workspace's single IdentityResolver (graph.ts {@link Precomputed}): identifiers
 * normalized under the workspace's rules as D1 holds them (read at most every 30 s per isolate), and
 * stored event ids. The resolver uses the result only when its own rules have the same version, so a
 * copy read just before a rules change costs a recomputation there, never a wrong match key.
 * @returns undefined when the rules cannot be read now (the resolver then does it all, as before)
 */
export async function precomputeFor(
  env: Env,
  workspace: string,
  events: readonly CanonicalEvent[],
  now = Date.now(),
): Promise<Precomputed | undefined> {
  let cached = contexts.get(workspace);
  if (!cached || now - cached.readAt > RULES_TTL_MS) {
    try {
      cached = {
        context: resolverContext(await loadRules(workspaceDb(env, workspace), workspace)),
        readAt: now,
      };
    } catch (error) {
      log.warn("identity_rules_read_failed", { workspace, error: String(error).slice(0, 200) });
      return undefined;
    }
    contexts.delete(workspace);
    if (contexts.size >= MAX_WORKSPACES) contexts.delete(contexts.keys().next().value!);
    contexts.set(workspace, cached);
  }
  return precompute(events, cached.context);
}
