import { DurableObject } from "cloudflare:workers";
import { workspaceDb } from "../db/workspace-db";
import type { CanonicalEvent } from "../events/event";
import { configOf } from "../lib/config";
import type { Env } from "../lib/env";
import { describeError } from "../lib/failure";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { DerivedState } from "./derived-state";
import type { ErasureReceipt } from "./erasure";
import {
  type ApplyResult,
  applyPrepared,
  type GraphMeter,
  newMeter,
  type Precomputed,
  prepareEvents,
  type ResolverContext,
} from "./graph";
import { eraseInGraph, releaseInGraph } from "./graph-admin";
import {
  ensureGraphSchema,
  type GraphSnapshot,
  readMeta,
  SqlGraph,
  snapshotGraph,
  writeMeta,
} from "./graph-store";
import { Outbox, type ProjectionStatus, projectOnce } from "./outbox";
import { graphOrigin, type RebuildProgress, rebuildStep } from "./rebuild";
import type { IdentityRulesInput } from "./rules";
import { loadRules, resolverContext, type StoredRules, saveRules } from "./rules-store";

/** First retry of a failed projection; doubles per failure up to {@link MAX_RETRY_MS}. */
const RETRY_MS = 2_000;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * IdentityResolver: one Durable Object per workspace, the single writer and the authoritative store
 * of that workspace's identity graph, kept in the object's own SQLite storage (graph-store.ts). A
 * batch of events is resolved and written in one synchronous transaction, together with the changes
 * D1 must receive (the outbox); no D1 call is made on that path. The outbox is then projected to D1
 * (outbox.ts) by a drain that runs beside later batches, never in front of them: after each batch,
 * and from the alarm when D1 failed or the object stopped before draining.
 *
 * Operations that change the graph (apply, rules, erasure, release, rebuild) still run one after
 * another through a promise chain, because the slow ones await D1 and input gates do not hold
 * across that I/O.
 * @see https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 * @see https://developers.cloudflare.com/durable-objects/api/alarms/
 */
export class IdentityResolver extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly sql: SqlStorage;
  private readonly outbox: Outbox;
  private context: ResolverContext | undefined;
  private graph: SqlGraph | undefined;
  private draining: Promise<void> | undefined;
  private dirty = false;
  private alarmPending = false;
  private failures = 0;
  private readonly receipts = new Map<string, ErasureReceipt | null>();
  private meter: GraphMeter & { calls: number; events: number } = { ...newMeter(), calls: 0, events: 0 };

  /**
   * @param derived the other modules' per-event state, projected and erased with the graph
   *   (derived-state.ts); src/index.ts passes the full list (src/pipeline/derived-state.ts)
   */
  constructor(
    ctx: DurableObjectState,
    env: Env,
    private readonly derived: readonly DerivedState[],
  ) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ensureGraphSchema(this.sql);
    this.outbox = new Outbox(this.sql);
  }

  /**
   * Applies `events` (all of one workspace) in order, in one transaction. Returns one result per
   * event, in order, once the graph change is durable; D1 follows (see {@link awaitProjection}).
   * `given`: their identifiers normalized and ids derived by the caller (graph.ts {@link Precomputed}),
   * used when computed under the rules in force here, else recomputed.
   * @throws on a storage error: nothing of the batch is applied, and applying it again is safe
   */
  async apply(events: CanonicalEvent[], given?: Precomputed): Promise<ApplyResult[]> {
    if (events.length === 0) return [];
    const workspace = events[0]!.workspace;
    if (events.some((e) => e.workspace !== workspace)) throw new Error("events of several workspaces");
    return this.serialize(async () => {
      const context = await this.contextFor(workspace);
      const prepared = await prepareEvents(events, context, given);
      const graph = this.graphFor(context);
      graph.forget();
      let results: ApplyResult[];
      try {
        results = this.ctx.storage.transactionSync(() =>
          applyPrepared(graph, this.outbox, prepared, context, Date.now(), this.meter),
        );
      } catch (error) {
        graph.forget();
        this.outbox.reload();
        throw error;
      } finally {
        this.meter.calls++;
        this.meter.events += events.length;
      }
      if (results.some((r) => r.status === "stored")) {
        await this.armAlarm(RETRY_MS);
        this.project().catch(() => undefined);
      }
      return results;
    });
  }

  /**
   * Projects every pending change to D1 and resolves when none is left: what a reader of D1 needs
   * to see everything applied so far (tests, the pipeline's back-pressure, the rebuild).
   * @throws when D1 refuses a batch; the alarm keeps retrying
   */
  async awaitProjection(): Promise<ProjectionStatus> {
    await this.project();
    return this.outbox.status();
  }

  /**
   * The back-pressure check (the queue consumer's, after each batch): waits for the projection as
   * {@link awaitProjection} does only when it is behind by more than `bound`, i.e. more than
   * `bound.pending` changes, or the oldest older than `bound.seconds`; otherwise answers at once. One
   * call either way.
   * @returns whether it waited, and the lag it found (before waiting)
   * @throws when it waited and D1 refused a batch; the alarm keeps retrying
   */
  async awaitProjectionBeyond(bound: {
    pending: number;
    seconds: number;
  }): Promise<{ waited: boolean; status: ProjectionStatus }> {
    const status = this.outbox.status();
    if (status.pending <= bound.pending && status.oldestPendingAgeSeconds <= bound.seconds)
      return { waited: false, status };
    await this.project();
    return { waited: true, status };
  }

  /** Projection lag: changes committed here and not yet in D1, and the age of the oldest. */
  async projectionStatus(): Promise<ProjectionStatus> {
    return this.outbox.status();
  }

  /** The whole graph (live profiles with identifiers, redirects, quarantine): for checks and operators. */
  async graphSnapshot(): Promise<GraphSnapshot> {
    return snapshotGraph(this.sql, readMeta(this.sql, "workspace") ?? null);
  }

  /**
   * Work counters since this instance started (or the last reset): calls, events, stored, merges;
   * D1 calls on the resolve path (always 0) and the projection's batches and D1 time.
   */
  async stats(reset = false): Promise<GraphMeter & { calls: number; events: number }> {
    const snapshot = { ...this.meter };
    if (reset) this.meter = { ...newMeter(), calls: 0, events: 0 };
    return snapshot;
  }

  /** Replaces the workspace's identity rules; events processed after this call use them. */
  async setRules(workspace: string, rules: IdentityRulesInput): Promise<StoredRules> {
    return this.serialize(async () => {
      // D1 keeps the copy the admin API reads; the object's copy is the one resolution uses.
      const stored = await saveRules(this.db(), workspace, rules);
      this.useRules(workspace, stored);
      return stored;
    });
  }

  /**
   * Erases a profile (right to be forgotten) between two events, so no merge can race it: first
   * from the graph (its events' keys stay claimed, so a redelivery is ignored), then, through the
   * outbox, from D1 and R2 (erasure.ts). Never half-applied:
   * - D1 unreachable before the graph is touched (it must hold every earlier change first):
   *   `unavailable`, nothing changed, the caller retries;
   * - the graph erased, D1 failing after: `queued`, the erase change waits in the outbox and the
   *   alarm completes it (in order, before any later change); calling again for the same profile
   *   finishes it and returns its receipt once D1 answers.
   * @returns the outcome; `not_found` when no such profile exists in `workspace`
   */
  async erase(workspace: string, profileId: string): Promise<EraseOutcome> {
    return this.serialize(async () => {
      this.bindWorkspace(workspace);
      // An erasure of this profile decided before and still waiting for D1 is finished, not repeated.
      const queued = this.outbox.pendingErasure(profileId);
      // D1 must hold every earlier change before the erasure reads it to find what to delete.
      try {
        await this.project();
      } catch (error) {
        if (queued) return { status: "queued", workspace, profileId, receiptId: queued };
        return { status: "unavailable", detail: describeError(error) };
      }
      if (queued) return this.receiptOf(queued);
      const receiptId = newId("era");
      const erased = this.ctx.storage.transactionSync(() =>
        eraseInGraph(this.sql, this.outbox, profileId, receiptId, Date.now()),
      );
      this.graph?.forget();
      if (!erased) return { status: "not_found" };
      await this.armAlarm(RETRY_MS);
      try {
        await this.project();
      } catch {
        return { status: "queued", workspace, profileId, receiptId };
      }
      return this.receiptOf(receiptId);
    });
  }

  /** The receipt the projection produced for `receiptId` (just drained), as an erase outcome. */
  private receiptOf(receiptId: string): EraseOutcome {
    const receipt = this.receipts.get(receiptId) ?? null;
    this.receipts.delete(receiptId);
    // Null: an earlier drain finished it and its answer was lost (D1 keeps the stored receipt).
    return receipt ? { status: "erased", receipt } : { status: "not_found" };
  }

  /** Releases a quarantined identifier value: it matches and merges again from the next event on. */
  async release(workspace: string, type: string, value: string): Promise<boolean> {
    return this.serialize(async () => {
      this.bindWorkspace(workspace);
      const released = this.ctx.storage.transactionSync(() =>
        releaseInGraph(this.sql, this.outbox, type, value, Date.now()),
      );
      this.graph?.forget();
      if (released) {
        await this.armAlarm(RETRY_MS);
        await this.project().catch(() => undefined);
      }
      return released;
    });
  }

  /**
   * Builds this workspace's graph from what D1 holds (migration of a deployment whose graph lived in
   * D1), one page of profiles per call: call again with the returned cursor until `done`. Safe to
   * re-run: profiles already in the graph are skipped, and a finished rebuild reports `done` at once.
   */
  async rebuild(workspace: string, cursor: string | null = null, pageSize = 200): Promise<RebuildProgress> {
    return this.serialize(async () => {
      this.bindWorkspace(workspace);
      // Changes made here and not yet in D1 would be read back as missing: project them first.
      await this.project();
      const progress = await rebuildStep(
        this.db(),
        this.ctx.storage,
        this.outbox,
        workspace,
        cursor,
        pageSize,
      );
      if (progress.rules) this.useRules(workspace, progress.rules);
      this.graph?.forget();
      return progress;
    });
  }

  /** Retries the projection; re-arms itself with back-off while D1 keeps refusing. */
  override async alarm(): Promise<void> {
    // This alarm has fired: the next apply sets a new one.
    this.alarmPending = false;
    try {
      await this.project();
      this.failures = 0;
    } catch {
      this.failures++;
      await this.ctx.storage.setAlarm(Date.now() + Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** this.failures));
      this.alarmPending = true;
    }
  }

  /**
   * Drains the outbox to D1 until it is empty. One drain runs at a time; a call while one runs makes
   * it go round once more and waits for it, so the promise covers every change made before the call.
   */
  private project(): Promise<void> {
    this.dirty = true;
    if (!this.draining)
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
      });
    return this.draining;
  }

  private async drain(): Promise<void> {
    const workspace = readMeta(this.sql, "workspace");
    while (this.dirty) {
      this.dirty = false;
      if (!workspace) return;
      for (;;) {
        const started = Date.now();
        let projected: number;
        try {
          // The projection goes to the workspace's database; dead letters an erasure reaches stay in
          // the default one (control data), so the whole env is passed (outbox.ts picks).
          projected = await projectOnce(
            this.env,
            workspace,
            this.outbox,
            this.batchSize(),
            this.derived,
            (id, receipt) => this.receipts.set(id, receipt),
          );
        } catch (error) {
          this.meter.projectionFailures++;
          this.dirty = false;
          throw error;
        }
        if (projected === 0) break;
        this.meter.projectionBatches++;
        this.meter.projectionEntries += projected;
        this.meter.projectionMs += Date.now() - started;
      }
    }
  }

  /**
   * Makes sure an alarm is set (the backstop that projects what a crash or a D1 failure left in the
   * outbox). One storage read per object instance, not one per apply: once this instance knows an
   * alarm is pending it skips the call until the alarm has run.
   */
  private async armAlarm(delayMs: number): Promise<void> {
    if (this.alarmPending) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + delayMs);
    this.alarmPending = true;
  }

  /**
   * The D1 database holding this workspace's projection: the one place that picks it (a workspace may
   * have its own database by configuration, src/db/workspace-db.ts). The object serves one workspace,
   * recorded when it first sees it.
   */
  private db(): D1Database {
    const workspace = readMeta(this.sql, "workspace");
    return workspace === undefined ? this.env.DB : workspaceDb(this.env, workspace);
  }

  private batchSize(): number {
    return configOf(this.env).identityChunkEvents;
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.tail.then(operation);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Records which workspace this object serves (the outbox drain needs it after a restart). */
  private bindWorkspace(workspace: string): void {
    const bound = readMeta(this.sql, "workspace");
    if (bound === undefined) writeMeta(this.sql, "workspace", workspace);
    else if (bound !== workspace) log.warn("identity_resolver_workspace_mismatch", { bound, workspace });
  }

  private useRules(workspace: string, stored: StoredRules): void {
    this.bindWorkspace(workspace);
    writeMeta(this.sql, "rules", JSON.stringify(stored));
    this.context = resolverContext(stored);
    this.graph = undefined;
  }

  /**
   * The workspace's rules, compiled. They live in the object; an object that has none yet (a new
   * workspace, or one created before the graph moved here) reads D1's copy once and keeps it.
   */
  private async contextFor(workspace: string): Promise<ResolverContext> {
    if (this.context) return this.context;
    if (graphOrigin(this.sql) === undefined) await this.migrateOnce(workspace);
    const saved = readMeta(this.sql, "rules");
    if (saved) {
      this.bindWorkspace(workspace);
      this.context = resolverContext(JSON.parse(saved) as StoredRules);
    } else this.useRules(workspace, await loadRules(this.db(), workspace));
    return this.context!;
  }

  /**
   * The first time an object serves a workspace, D1 may already hold its graph (a deployment from
   * before the graph moved into the object): it is copied in before any event is resolved, so no
   * customer is split in two. One D1 read when D1 has nothing; never again afterwards.
   */
  private async migrateOnce(workspace: string): Promise<void> {
    this.bindWorkspace(workspace);
    const known = await this.db()
      .prepare("SELECT 1 FROM profiles WHERE workspace = ? LIMIT 1")
      .bind(workspace)
      .first();
    if (!known) {
      writeMeta(this.sql, "graph_origin", "new");
      return;
    }
    let cursor: string | null = null;
    for (;;) {
      const progress = await rebuildStep(this.db(), this.ctx.storage, this.outbox, workspace, cursor, 200);
      if (progress.rules) this.useRules(workspace, progress.rules);
      if (progress.done) break;
      cursor = progress.cursor;
    }
    log.info("identity_graph_migrated", { workspace });
  }

  private graphFor(context: ResolverContext): SqlGraph {
    this.graph ??= new SqlGraph(
      this.sql,
      context.resolveRules.limitedTypes.map((t) => t.type),
    );
    return this.graph;
  }
}

/**
 * How an erasure request went ({@link IdentityResolver.erase}): done (with its receipt), queued
 * (erased from the graph; D1 and the archive follow when D1 answers, by the resolver's alarm),
 * refused with nothing changed because D1 is unreachable, or no such profile.
 */
export type EraseOutcome =
  | { status: "erased"; receipt: ErasureReceipt }
  | { status: "queued"; workspace: string; profileId: string; receiptId: string }
  | { status: "unavailable"; detail: string }
  | { status: "not_found" };

/** The IdentityResolver stub for `workspace`. */
export function resolverFor(env: Env, workspace: string): DurableObjectStub<IdentityResolver> {
  return env.IDENTITY_RESOLVER.get(env.IDENTITY_RESOLVER.idFromName(workspace));
}
