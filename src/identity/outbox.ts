import { workspaceDb } from "../db/workspace-db";
import { forgetDefinitions } from "../indicators/cache";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import type { DerivedState } from "./derived-state";
import { eraseProfile } from "./erasure";
import { readMeta, writeMeta } from "./graph-store";
import {
  type EventChange,
  type ProjectedChange,
  projectedVersion,
  projectionStatements,
  versionGuard,
} from "./projection";
import { isPlainEvent, runStatements } from "./projection-run";

/** An outbox entry: a change with its sequence number (the projection version it brings D1 to). */
export interface OutboxEntry {
  seq: number;
  createdAt: number;
  change: ProjectedChange;
}

/** Projection lag as operators see it. */
export interface ProjectionStatus {
  /** Changes committed in the graph and not yet in D1. */
  pending: number;
  /** Age of the oldest of them in seconds (0 when none). */
  oldestPendingAgeSeconds: number;
  /** Outbox sequence number of the last change made. */
  lastSeq: number;
}

/** JSON bytes of recent changes an Outbox keeps in memory for its drain (the rest is read back from SQLite). */
const RECENT_BYTES = 4 * 1024 * 1024;

/**
 * The object's outbox (`projection_outbox` in its SQLite): changes of the graph waiting to be
 * written to D1, numbered 1, 2, 3… in the order they were made. The counter lives in `graph_meta`
 * rather than in AUTOINCREMENT so a rebuilt graph can continue after the version D1 already holds.
 */
export class Outbox {
  private lastSeq: number;
  /**
   * Changes this instance added, by sequence number, until acknowledged: the drain that follows an
   * apply takes them from here instead of parsing back the JSON it has just written. SQLite stays the
   * record of which entries exist (a rolled-back batch's numbers are not there), and after a restart
   * everything comes from it.
   */
  private readonly recent = new Map<number, { change: ProjectedChange; bytes: number }>();
  /** Approximate JSON bytes held in {@link recent}, at most {@link RECENT_BYTES}. */
  private recentBytes = 0;

  constructor(private readonly sql: SqlStorage) {
    this.lastSeq = Number(readMeta(sql, "last_seq") ?? 0);
  }

  /** Adds a change; call inside the transaction that makes it. */
  add(change: ProjectedChange, now: number): number {
    this.lastSeq++;
    this.sql.exec(
      "INSERT INTO projection_outbox (seq, created_at, change) VALUES (?, ?, ?)",
      this.lastSeq,
      now,
      JSON.stringify(change),
    );
    writeMeta(this.sql, "last_seq", String(this.lastSeq));
    return this.lastSeq;
  }

  /**
   * Adds changes in order, in one statement and one counter write (the apply path: a batch of events
   * costs two SQL calls here, not two per event). Call inside the transaction that makes them.
   * @returns the sequence number of the last one (the current last when `changes` is empty)
   */
  addAll(changes: readonly ProjectedChange[], now: number): number {
    if (changes.length === 0) return this.lastSeq;
    // json_each's `value` of an object element is that object's JSON text: the row stores it as is.
    const json = JSON.stringify(changes);
    this.sql.exec(
      `INSERT INTO projection_outbox (seq, created_at, change)
       SELECT ?1 + key + 1, ?2, value FROM json_each(?3)`,
      this.lastSeq,
      now,
      json,
    );
    // Kept in memory only while small: while D1 is behind or refusing, the rest stays in SQLite alone.
    if (this.recentBytes + json.length <= RECENT_BYTES) {
      const bytes = json.length / changes.length;
      for (const [i, change] of changes.entries()) this.recent.set(this.lastSeq + i + 1, { change, bytes });
      this.recentBytes += json.length;
    }
    this.lastSeq += changes.length;
    writeMeta(this.sql, "last_seq", String(this.lastSeq));
    return this.lastSeq;
  }

  /** Re-reads the counter (after a rolled-back transaction, whose increments did not persist). */
  reload(): void {
    this.lastSeq = Number(readMeta(this.sql, "last_seq") ?? 0);
    for (const seq of [...this.recent.keys()]) if (seq > this.lastSeq) this.forgetRecent(seq);
  }

  /** Makes the next change get a number after `version` (a rebuilt graph continuing D1's projection). */
  continueAfter(version: number): void {
    if (version <= this.lastSeq) return;
    this.lastSeq = version;
    writeMeta(this.sql, "last_seq", String(version));
  }

  /** The oldest `limit` entries, in order. */
  take(limit: number): OutboxEntry[] {
    const rows = this.sql
      .exec<{ seq: number; created_at: number }>(
        "SELECT seq, created_at FROM projection_outbox ORDER BY seq LIMIT ?",
        limit,
      )
      .toArray();
    const missing = rows.filter((r) => !this.recent.has(r.seq)).map((r) => r.seq);
    const stored = new Map<number, ProjectedChange>();
    if (missing.length > 0)
      for (const r of this.sql.exec<{ seq: number; change: string }>(
        "SELECT seq, change FROM projection_outbox WHERE seq IN (SELECT value FROM json_each(?))",
        JSON.stringify(missing),
      ))
        stored.set(r.seq, JSON.parse(r.change) as ProjectedChange);
    return rows.map((r) => ({
      seq: r.seq,
      createdAt: r.created_at,
      change: this.recent.get(r.seq)?.change ?? stored.get(r.seq)!,
    }));
  }

  /** The receipt id of an erasure of `profileId` decided and not yet projected, if any. */
  pendingErasure(profileId: string): string | undefined {
    const row = this.sql
      .exec<{ receipt: string }>(
        `SELECT json_extract(change, '$.receiptId') AS receipt FROM projection_outbox
         WHERE json_extract(change, '$.kind') = 'erase' AND json_extract(change, '$.profileId') = ?
         ORDER BY seq LIMIT 1`,
        profileId,
      )
      .toArray()[0];
    return row?.receipt;
  }

  /** Forgets entries up to `seq`: D1 has them. */
  ack(seq: number): void {
    this.sql.exec("DELETE FROM projection_outbox WHERE seq <= ?", seq);
    for (const known of [...this.recent.keys()]) if (known <= seq) this.forgetRecent(known);
  }

  private forgetRecent(seq: number): void {
    const entry = this.recent.get(seq);
    if (!entry) return;
    this.recent.delete(seq);
    this.recentBytes = Math.max(0, this.recentBytes - entry.bytes);
  }

  /** Pending count, age of the oldest, last number given. */
  status(now = Date.now()): ProjectionStatus {
    const row = this.sql
      .exec<{ n: number; oldest: number | null }>(
        "SELECT count(*) AS n, min(created_at) AS oldest FROM projection_outbox",
      )
      .one();
    return {
      pending: row.n,
      oldestPendingAgeSeconds: row.oldest === null ? 0 : Math.max(0, (now - row.oldest) / 1000),
      lastSeq: this.lastSeq,
    };
  }
}

/** Erasure receipts produced by the projection of erase changes, by receipt id. */
export type ReceiptSink = (receiptId: string, receipt: Awaited<ReturnType<typeof eraseProfile>>) => void;

/**
 * Writes the oldest outbox entries to D1 in one batch (at most `batchSize` event changes, or four
 * times as many plain events, see {@link withinBudget}; an erasure goes alone, through erasure.ts),
 * led by the version guard, then forgets them. Consecutive events that merged nothing go as one run of
 * multi-row statements (projection-run.ts), the others one by one. When D1 reports the batch as failed, its version says whether the batch committed anyway (the answer was lost): then
 * the entries are forgotten, never sent again. Returns how many entries were projected (0 when the
 * outbox is empty). `derived` lists the other modules' per-event state (derived-state.ts), which
 * follows each event and each erasure in the same batch.
 * @throws when D1 refuses the batch; the entries stay in the outbox for the next attempt
 */
export async function projectOnce(
  env: Pick<Env, "DB" | "PAYLOADS" | "ARCHIVE" | "WORKSPACE_DATABASES"> & Partial<Env>,
  workspace: string,
  outbox: Outbox,
  batchSize: number,
  derived: readonly DerivedState[],
  onReceipt?: ReceiptSink,
): Promise<number> {
  const db = workspaceDb(env as Env, workspace);
  const candidates = outbox.take(batchSize * RUN_EVENTS_PER_CHUNK_EVENT);
  if (candidates.length === 0) return 0;
  const first = candidates[0]!;
  const entries =
    first.change.kind === "erase" ? [first] : withinBudget(takeUntilErase(candidates), batchSize);
  const last = entries.at(-1)!;
  const now = Date.now();
  try {
    if (first.change.kind === "erase") {
      const receipt = await eraseProfile(env, derived, workspace, first.change.profileId, first.change.at, {
        receiptId: first.change.receiptId,
        guard: versionGuard(db, workspace, first.seq, first.seq, now),
      });
      // Erased before (a lost answer): only the version is left to move, and the guard says whether it must.
      if (!receipt) await db.batch(versionGuard(db, workspace, first.seq, first.seq, now));
      onReceipt?.(first.change.receiptId, receipt);
    } else {
      const statements = versionGuard(db, workspace, first.seq, last.seq, now);
      // Runs of plain events go in a few multi-row statements; a merge or a release keeps its own, in order.
      let run: EventChange[] = [];
      const endRun = async () => {
        if (run.length > 0) statements.push(...(await runStatements(db, workspace, run, derived)));
        run = [];
      };
      for (const { change } of entries) {
        if (isPlainEvent(change)) run.push(change);
        else {
          await endRun();
          statements.push(...(await projectionStatements(db, workspace, change as never, derived)));
        }
      }
      await endRun();
      await db.batch(statements);
    }
  } catch (error) {
    // A batch that commits is never sent again as is: later changes may have joined it since. The
    // version says how far D1 got; what it holds is forgotten here and the rest goes next time.
    const version = await projectedVersion(db, workspace).catch(() => -1);
    if (version >= first.seq) {
      outbox.ack(version);
      return Math.min(entries.length, version - first.seq + 1);
    }
    // A definitions guard may have failed on a stale cache: the next attempt reads them again.
    forgetDefinitions(workspace);
    log.warn("identity_projection_failed", { workspace, firstSeq: first.seq, lastSeq: last.seq, error });
    throw error;
  }
  outbox.ack(last.seq);
  return entries.length;
}

/**
 * Plain events (those {@link isPlainEvent} lets into a run) one D1 batch takes per event of the
 * chunk size: a run adds rows to a few multi-row statements, where any other change brings about ten
 * statements of its own, and a batch's cost to D1 (and to the object, per call) is mostly per
 * statement. So a batch holds up to `batchSize` × 4 plain events, or `batchSize` other changes.
 */
const RUN_EVENTS_PER_CHUNK_EVENT = 4;

/** The leading entries whose weight (a plain event 1, any other change 4) stays within `batchSize` × 4; at least one. */
function withinBudget(entries: OutboxEntry[], batchSize: number): OutboxEntry[] {
  const budget = batchSize * RUN_EVENTS_PER_CHUNK_EVENT;
  let weight = 0;
  for (let i = 0; i < entries.length; i++) {
    weight += isPlainEvent(entries[i]!.change) ? 1 : RUN_EVENTS_PER_CHUNK_EVENT;
    if (weight > budget) return entries.slice(0, Math.max(1, i));
  }
  return entries;
}

function takeUntilErase(entries: OutboxEntry[]): OutboxEntry[] {
  const stop = entries.findIndex((e) => e.change.kind === "erase");
  return stop === -1 ? entries : entries.slice(0, stop);
}
