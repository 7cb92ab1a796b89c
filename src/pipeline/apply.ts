import type { ApplyResult } from "../identity/graph";
import { resolverFor } from "../identity/resolver";
import type { Env } from "../lib/env";
import type { PreparedMessage } from "./prepare";

/** What applying one message's events gave: a result per event, or the error that stopped it. */
export type ApplyOutcome = { ok: true; results: ApplyResult[] } | { ok: false; error: unknown };

/**
 * Hands each workspace's events to its IdentityResolver: one call per workspace for the whole batch
 * (workspaces in parallel). When that call fails, the workspace's messages are applied again one at a
 * time, so a message that always fails (a poison message) fails alone instead of taking its batch-mates
 * through retries and into the dead letters with it. Re-applying what the failed call had already
 * committed is a no-op: every event is deduplicated by its unique key.
 */
export async function applyByWorkspace(
  env: Env,
  items: readonly PreparedMessage[],
): Promise<Map<PreparedMessage, ApplyOutcome>> {
  const outcomes = new Map<PreparedMessage, ApplyOutcome>();
  const byWorkspace = new Map<string, PreparedMessage[]>();
  for (const item of items) {
    if (item.events.length === 0) outcomes.set(item, { ok: true, results: [] });
    else
      byWorkspace.set(item.envelope.workspace, [...(byWorkspace.get(item.envelope.workspace) ?? []), item]);
  }
  await Promise.all(
    [...byWorkspace].map(async ([workspace, group]) => {
      const resolver = resolverFor(env, workspace);
      try {
        const results = await resolver.apply(group.flatMap((i) => i.events));
        let offset = 0;
        for (const item of group) {
          outcomes.set(item, { ok: true, results: results.slice(offset, offset + item.events.length) });
          offset += item.events.length;
        }
      } catch {
        for (const item of group) {
          try {
            outcomes.set(item, { ok: true, results: await resolver.apply(item.events) });
          } catch (error) {
            outcomes.set(item, { ok: false, error });
          }
        }
      }
    }),
  );
  return outcomes;
}
