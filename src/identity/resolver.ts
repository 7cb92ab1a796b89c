import { DurableObject } from "cloudflare:workers";
import type { Env } from "../lib/env";
import type { CanonicalEvent } from "../pipeline/event";
import { type ApplyResult, applyEvent } from "./graph";

/**
 * IdentityResolver: one Durable Object per workspace, the single writer of that workspace's identity
 * graph. D1 stays the source of truth; this object only serializes the read-decide-write of
 * {@link applyEvent}. Input gates do not hold across D1 calls (they are outbound I/O), so an explicit
 * promise chain makes batches run strictly one after another.
 * @see https://developers.cloudflare.com/durable-objects/api/base/
 */
export class IdentityResolver extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Applies `events` in order, one at a time. Returns one result per event (stored or duplicate).
   * @throws when D1 fails; events before the failure are committed, and re-applying them is a no-op.
   */
  async apply(events: CanonicalEvent[]): Promise<ApplyResult[]> {
    const run = this.tail.then(async () => {
      const results: ApplyResult[] = [];
      for (const event of events) results.push(await applyEvent(this.env.DB, event));
      return results;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** The IdentityResolver stub for `workspace`. */
export function resolverFor(env: Env, workspace: string): DurableObjectStub<IdentityResolver> {
  return env.IDENTITY_RESOLVER.get(env.IDENTITY_RESOLVER.idFromName(workspace));
}
