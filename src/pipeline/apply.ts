import type { ApplyResult } from "../identity/graph";
import { resolverFor } from "../identity/resolver";
import { configOf } from "../lib/config";
import type { Env } from "../lib/env";
import { groupBy } from "../lib/group-by";
import { log } from "../lib/log";
import { precomputeFor } from "./precompute";
import type { PreparedMessage } from "./prepare";

/** What applying one message's events gave: a result per event, or the error that stopped it. */
export type ApplyOutcome = { ok: true; results: ApplyResult[] } | { ok: false; error: unknown };

/** What {@link applyByWorkspace} gave: an outcome per message, and the workspaces whose projection is behind. */
export interface ApplyReport {
  outcomes: Map<PreparedMessage, ApplyOutcome>;
  /**
   * Workspaces whose events were committed in the graph but whose projection to D1 failed: D1 does
   * not have (all of) their events yet, so the archive step leaves them to the cron, which archives
   * them once, from D1, after the resolver's alarm has projected them.
   */
  projectionBehind: Set<string>;
}

/**
 * Hands each workspace's events to its IdentityResolver: one call per workspace for the whole batch
 * (workspaces in parallel), with their identifiers normalized here first (precompute.ts). When that call fails, the workspace's messages are applied again one at a
 * time, so a message that always fails (a poison message) fails alone instead of taking its batch-mates
 * through retries and into the dead letters with it. Re-applying what the failed call had already
 * committed is a no-op: every event is deduplicated by its unique key.
 *
 * The events are committed once the resolver answers (in its graph), and the resolver projects them
 * to D1 beside the next batches. The consumer waits for that projection only when it is behind by
 * more than the configured bound (PROJECTION_BACKPRESSURE_PENDING changes, or its oldest change
 * PROJECTION_BACKPRESSURE_SECONDS old), so the queue cannot run ahead of D1 without bound
 * (back-pressure) and what a batch stored is readable in D1 within that bound; with a bound of 0 it
 * waits after every batch. A failed wait fails no message (the alarm retries the projection) and is
 * reported in `projectionBehind`.
 */
export async function applyByWorkspace(env: Env, items: readonly PreparedMessage[]): Promise<ApplyReport> {
  const outcomes = new Map<PreparedMessage, ApplyOutcome>();
  const projectionBehind = new Set<string>();
  const config = configOf(env);
  const bound = {
    pending: config.projectionBackpressurePending,
    seconds: config.projectionBackpressureSeconds,
  };
  for (const item of items) if (item.events.length === 0) outcomes.set(item, { ok: true, results: [] });
  const byWorkspace = groupBy(
    items.filter((item) => item.events.length > 0),
    (item) => item.envelope.workspace,
  );
  await Promise.all(
    [...byWorkspace].map(async ([workspace, group]) => {
      const resolver = resolverFor(env, workspace);
      const project = async () => {
        if (!(await awaitProjection(resolver, workspace, bound))) projectionBehind.add(workspace);
      };
      try {
        const events = group.flatMap((i) => i.events);
        const results = await resolver.apply(events, await precomputeFor(env, workspace, events));
        await project();
        let offset = 0;
        for (const item of group) {
          outcomes.set(item, { ok: true, results: results.slice(offset, offset + item.events.length) });
          offset += item.events.length;
        }
      } catch {
        for (const item of group) {
          try {
            const given = await precomputeFor(env, workspace, item.events);
            outcomes.set(item, { ok: true, results: await resolver.apply(item.events, given) });
            await project();
          } catch (error) {
            outcomes.set(item, { ok: false, error });
          }
        }
      }
    }),
  );
  return { outcomes, projectionBehind };
}

/**
 * Waits for the workspace's projection to D1 when it is behind by more than `bound`. A failure does
 * not fail the messages: their events are committed in the graph already, and the resolver's alarm
 * retries the projection.
 * @returns false when the wait failed (D1 does not have everything the resolver committed); true
 *   otherwise, including when it did not wait (D1 then follows within the bound)
 */
async function awaitProjection(
  resolver: ReturnType<typeof resolverFor>,
  workspace: string,
  bound: { pending: number; seconds: number },
): Promise<boolean> {
  try {
    await resolver.awaitProjectionBeyond(bound);
    return true;
  } catch (error) {
    log.warn("identity_projection_behind", { workspace, error });
    return false;
  }
}
