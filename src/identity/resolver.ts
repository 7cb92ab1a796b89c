import { DurableObject } from "cloudflare:workers";
import { workspaceDb } from "../db/workspace-db";
import type { CanonicalEvent } from "../events/event";
import type { Env } from "../lib/env";
import { type ErasureReceipt, eraseProfile } from "./erasure";
import {
  type ApplyResult,
  applyEvents,
  CHUNK_EVENTS,
  type GraphMeter,
  newMeter,
  type ResolverContext,
} from "./graph";
import { releaseQuarantine } from "./quarantine";
import type { IdentityRulesInput } from "./rules";
import { loadRules, resolverContext, type StoredRules, saveRules } from "./rules-store";

/**
 * IdentityResolver: one Durable Object per workspace, the single writer of that workspace's identity
 * graph. D1 stays the source of truth; this object serializes every read-decide-write on the graph
 * (applying events, changing rules, erasing a profile, releasing a quarantined value). Input gates do
 * not hold across D1 calls (they are outbound I/O), so an explicit promise chain makes operations run
 * strictly one after another.
 *
 * It caches the workspace's rules (compiled) in memory. Rules change only through {@link setRules},
 * which runs in the same chain, so a change applies exactly to the events processed after it.
 * @see https://developers.cloudflare.com/durable-objects/api/base/
 */
export class IdentityResolver extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly contexts = new Map<string, ResolverContext>();
  private meter: GraphMeter & { calls: number; events: number; busyMs: number } = {
    ...newMeter(),
    calls: 0,
    events: 0,
    busyMs: 0,
  };

  /**
   * Applies `events` (all of one workspace) in order. Returns one result per event, in order.
   * @throws when D1 fails; events before the failure are committed, and re-applying them is a no-op
   */
  async apply(events: CanonicalEvent[]): Promise<ApplyResult[]> {
    if (events.length === 0) return [];
    const workspace = events[0]!.workspace;
    if (events.some((e) => e.workspace !== workspace)) throw new Error("events of several workspaces");
    return this.serialize(async () => {
      const started = Date.now();
      try {
        return await applyEvents(
          workspaceDb(this.env, workspace),
          events,
          await this.context(workspace),
          Date.now(),
          this.meter,
        );
      } finally {
        this.meter.calls++;
        this.meter.events += events.length;
        this.meter.busyMs += Date.now() - started;
      }
    });
  }

  /**
   * Work counters since this instance started (or the last reset): calls, events, D1 batches and
   * statements, and milliseconds spent waiting on D1 vs. busy in total (see {@link GraphMeter}).
   */
  async stats(reset = false): Promise<GraphMeter & { calls: number; events: number; busyMs: number }> {
    const snapshot = { ...this.meter };
    if (reset) this.meter = { ...newMeter(), calls: 0, events: 0, busyMs: 0 };
    return snapshot;
  }

  /** Replaces the workspace's identity rules; events processed after this call use them. */
  async setRules(workspace: string, rules: IdentityRulesInput): Promise<StoredRules> {
    return this.serialize(async () => {
      const stored = await saveRules(workspaceDb(this.env, workspace), workspace, rules);
      this.contexts.set(workspace, { ...resolverContext(stored), chunkEvents: this.chunkEvents() });
      return stored;
    });
  }

  /**
   * Erases a profile (right to be forgotten) between two events, so no merge can race it.
   * @returns the receipt, or null when no such profile exists in `workspace`
   */
  async erase(workspace: string, profileId: string): Promise<ErasureReceipt | null> {
    return this.serialize(() => eraseProfile(this.env, workspace, profileId));
  }

  /** Releases a quarantined identifier value: it matches and merges again from the next event on. */
  async release(workspace: string, type: string, value: string): Promise<boolean> {
    return this.serialize(() => releaseQuarantine(workspaceDb(this.env, workspace), workspace, type, value));
  }

  private chunkEvents(): number {
    const configured = Number(this.env.IDENTITY_CHUNK_EVENTS);
    return Number.isInteger(configured) && configured >= 1 && configured <= 100 ? configured : CHUNK_EVENTS;
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.tail.then(operation);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async context(workspace: string): Promise<ResolverContext> {
    let context = this.contexts.get(workspace);
    if (!context) {
      context = {
        ...resolverContext(await loadRules(workspaceDb(this.env, workspace), workspace)),
        chunkEvents: this.chunkEvents(),
      };
      this.contexts.set(workspace, context);
    }
    return context;
  }
}

/** The IdentityResolver stub for `workspace`. */
export function resolverFor(env: Env, workspace: string): DurableObjectStub<IdentityResolver> {
  return env.IDENTITY_RESOLVER.get(env.IDENTITY_RESOLVER.idFromName(workspace));
}
