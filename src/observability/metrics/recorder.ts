import { configOf } from "../../lib/config";
import { log } from "../../lib/log";
import type { CounterDelta, MetricsAggregator, MetricsBatch } from "./aggregator";
import { type CounterName, DURATION_BUCKETS, type HistogramName, type LabelsOf } from "./catalog";

/** The bindings the recorder needs; absent `METRICS` (a bare test worker) turns recording off. */
export interface MetricsEnv {
  METRICS?: DurableObjectNamespace<MetricsAggregator>;
  /** Milliseconds an isolate buffers increments before handing them over (default 1000; "0": at once). */
  METRICS_FLUSH_MS?: string;
}

/** Name of the one aggregator object. */
const AGGREGATOR = "global";

/**
 * Counts in isolate memory and hands the counts to the {@link MetricsAggregator} in the background:
 * the first increment after a flush arms one timer (kept alive by `waitUntil`), so a request pays for a
 * map update, never for a call, and every count reaches the aggregator within the flush interval even
 * when no further request arrives. A failed hand-over puts the counts back for the next one.
 * One recorder per isolate ({@link metrics}).
 */
export class MetricsRecorder {
  private counters = new Map<string, CounterDelta>();
  private sent = new Map<string, { queue: string; second: number; count: number }>();
  private processed = new Map<string, number>();
  private armed: Promise<void> | null = null;
  private inflight: Promise<void> = Promise.resolve();

  /** Adds `by` to counter `name` with `labels`. */
  count<M extends CounterName>(name: M, labels: LabelsOf<M>, by = 1): void {
    this.add(name, labels as Record<string, string>, by);
  }

  /** Records one observation of `seconds` in histogram `name` (cumulative buckets, sum and count). */
  observe<M extends HistogramName>(name: M, labels: LabelsOf<M>, seconds: number): void {
    const base = labels as Record<string, string>;
    for (const le of DURATION_BUCKETS)
      if (seconds <= le) this.add(`${name}_bucket`, { ...base, le: String(le) }, 1);
    this.add(`${name}_bucket`, { ...base, le: "+Inf" }, 1);
    this.add(`${name}_sum`, base, seconds);
    this.add(`${name}_count`, base, 1);
  }

  /** `count` messages were sent to `queue` at `at` (epoch ms). */
  queueSent(queue: string, count: number, at = Date.now()): void {
    if (count <= 0) return;
    const second = Math.floor(at / 1000);
    const key = `${queue}\u0000${second}`;
    const entry = this.sent.get(key) ?? { queue, second, count: 0 };
    entry.count += count;
    this.sent.set(key, entry);
  }

  /** `count` messages of `queue` were acknowledged by its consumer. */
  queueProcessed(queue: string, count: number): void {
    if (count > 0) this.processed.set(queue, (this.processed.get(queue) ?? 0) + count);
  }

  /**
   * Makes sure what was recorded reaches the aggregator: arms the flush timer on `ctx` unless one is
   * armed. Call after recording, with the invocation's context.
   */
  schedule(env: MetricsEnv, ctx: Pick<ExecutionContext, "waitUntil">): void {
    if (!env.METRICS || this.armed || this.isEmpty()) return;
    const delay = configOf(env).metricsFlushMs;
    const armed = (async () => {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      this.armed = null;
      await this.flush(env);
    })();
    this.armed = armed;
    ctx.waitUntil(armed);
  }

  /** Hands everything recorded so far to the aggregator now (and waits for earlier hand-overs). */
  async flush(env: MetricsEnv): Promise<void> {
    const previous = this.inflight;
    const run = (async () => {
      await previous;
      if (!env.METRICS || this.isEmpty()) return;
      const batch = this.take();
      try {
        await env.METRICS.get(env.METRICS.idFromName(AGGREGATOR)).add(batch);
      } catch (error) {
        this.putBack(batch);
        log.warn("metrics_flush_failed", { error: String(error).slice(0, 200) });
      }
    })();
    this.inflight = run;
    await run;
  }

  private add(name: string, labels: Record<string, string>, by: number): void {
    const key = `${name}\u0000${JSON.stringify(labels)}`;
    const entry = this.counters.get(key);
    if (entry) entry.value += by;
    else this.counters.set(key, { name, labels, value: by });
  }

  private isEmpty(): boolean {
    return this.counters.size === 0 && this.sent.size === 0 && this.processed.size === 0;
  }

  private take(): MetricsBatch {
    const batch: MetricsBatch = {
      counters: [...this.counters.values()],
      queueSent: [...this.sent.values()],
      queueProcessed: [...this.processed].map(([queue, count]) => ({ queue, count })),
    };
    this.counters = new Map();
    this.sent = new Map();
    this.processed = new Map();
    return batch;
  }

  private putBack(batch: MetricsBatch): void {
    for (const c of batch.counters) this.add(c.name, c.labels, c.value);
    for (const s of batch.queueSent) this.queueSent(s.queue, s.count, s.second * 1000);
    for (const p of batch.queueProcessed) this.queueProcessed(p.queue, p.count);
  }
}

/** This isolate's recorder. */
export const metrics = new MetricsRecorder();
