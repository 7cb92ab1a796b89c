import { DurableObject } from "cloudflare:workers";
import type { Sample } from "./exposition";

/** A counter delta: add `value` to the series (`name`, `labels`). */
export interface CounterDelta {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What one isolate hands over at a flush: counter deltas and queue traffic since its last flush. */
export interface MetricsBatch {
  counters: CounterDelta[];
  /** Messages sent to `queue` during the epoch second `second`. */
  queueSent: { queue: string; second: number; count: number }[];
  /** Messages of `queue` acknowledged (stored, duplicate or dead-lettered) by its consumer. */
  queueProcessed: { queue: string; count: number }[];
}

/** A queue's state as the aggregator sees it. */
export interface QueueState {
  queue: string;
  pending: number;
  /** Epoch ms of the oldest message sent and not yet acknowledged; null when none is pending. */
  oldestPendingSentAt: number | null;
}

/** What a scrape reads from the aggregator. */
export interface MetricsSnapshot {
  series: Sample[];
  queues: QueueState[];
}

/**
 * The one place counters are summed: every isolate buffers its increments in memory and hands them
 * over here at most about once a second (see recorder.ts), so counting costs the edge no D1 write and
 * no per-request call. Counters live in this object's SQLite storage and survive restarts.
 *
 * Queue backlog: producers report how many messages they sent per second, consumers how many they
 * acknowledged. Queues deliver roughly first in, first out, so the oldest unacknowledged message is
 * in the earliest second whose cumulative sent count exceeds the acknowledged count; seconds wholly
 * acknowledged are pruned. Retries break the order slightly; the gauge is then an estimate within
 * the retry delay, which is what an operator needs to see a stalled consumer.
 */
export class MetricsAggregator extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS series (
      name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (name, labels))`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS queue_sent (
      queue TEXT NOT NULL, second INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (queue, second))`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS queue_totals (
      queue TEXT PRIMARY KEY, sent INTEGER NOT NULL DEFAULT 0, processed INTEGER NOT NULL DEFAULT 0,
      pruned INTEGER NOT NULL DEFAULT 0)`);
  }

  /** Adds one isolate's batch, atomically. */
  add(batch: MetricsBatch): void {
    this.ctx.storage.transactionSync(() => {
      for (const c of batch.counters) {
        this.sql.exec(
          `INSERT INTO series (name, labels, value) VALUES (?, ?, ?)
           ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value`,
          c.name,
          canonicalLabels(c.labels),
          c.value,
        );
      }
      for (const s of batch.queueSent) {
        this.sql.exec(
          `INSERT INTO queue_sent (queue, second, count) VALUES (?, ?, ?)
           ON CONFLICT (queue, second) DO UPDATE SET count = count + excluded.count`,
          s.queue,
          s.second,
          s.count,
        );
        this.sql.exec(
          `INSERT INTO queue_totals (queue, sent) VALUES (?, ?)
           ON CONFLICT (queue) DO UPDATE SET sent = sent + excluded.sent`,
          s.queue,
          s.count,
        );
      }
      for (const p of batch.queueProcessed) {
        this.sql.exec(
          `INSERT INTO queue_totals (queue, processed) VALUES (?, ?)
           ON CONFLICT (queue) DO UPDATE SET processed = processed + excluded.processed`,
          p.queue,
          p.count,
        );
      }
      for (const queue of new Set([...batch.queueSent, ...batch.queueProcessed].map((q) => q.queue)))
        this.prune(queue);
    });
  }

  /** Every counter series and every queue's pending count and oldest pending message. */
  snapshot(): MetricsSnapshot {
    const series = this.sql
      .exec<{ name: string; labels: string; value: number }>("SELECT name, labels, value FROM series")
      .toArray()
      .map((row) => ({
        name: row.name,
        labels: JSON.parse(row.labels) as Record<string, string>,
        value: row.value,
      }));
    const queues = this.sql
      .exec<{ queue: string; sent: number; processed: number }>(
        "SELECT queue, sent, processed FROM queue_totals",
      )
      .toArray()
      .map((row) => {
        const pending = Math.max(0, row.sent - row.processed);
        const oldest =
          pending === 0
            ? null
            : (this.sql
                .exec<{ second: number }>(
                  "SELECT second FROM queue_sent WHERE queue = ? ORDER BY second LIMIT 1",
                  row.queue,
                )
                .toArray()[0]?.second ?? null);
        return { queue: row.queue, pending, oldestPendingSentAt: oldest === null ? null : oldest * 1000 };
      });
    return { series, queues };
  }

  /** Drops the seconds of `queue` whose every message has been acknowledged. */
  private prune(queue: string): void {
    const totals = this.sql
      .exec<{ processed: number; pruned: number }>(
        "SELECT processed, pruned FROM queue_totals WHERE queue = ?",
        queue,
      )
      .toArray()[0];
    if (!totals) return;
    let pruned = totals.pruned;
    const seconds = this.sql
      .exec<{ second: number; count: number }>(
        "SELECT second, count FROM queue_sent WHERE queue = ? ORDER BY second",
        queue,
      )
      .toArray();
    for (const s of seconds) {
      if (pruned + s.count > totals.processed) break;
      pruned += s.count;
      this.sql.exec("DELETE FROM queue_sent WHERE queue = ? AND second = ?", queue, s.second);
    }
    this.sql.exec("UPDATE queue_totals SET pruned = ? WHERE queue = ?", pruned, queue);
  }
}

/** Labels as a stable key: keys sorted, so `{a,b}` and `{b,a}` are one series. */
function canonicalLabels(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))));
}
