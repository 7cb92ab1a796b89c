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

/** Longest a {@link MetricsRecorder.flushForReading} waits for other requests' hand-overs, and how often it looks, ms. */
const SETTLE_MS = 2_000;
const SETTLE_POLL_MS = 5;

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
  private histograms = new Map<string, HistogramSeries>();
  private sent = new Map<string, { queue: string; second: number; count: number }>();
  private processed = new Map<string, number>();
  private armed: Promise<void> | null = null;
  /** Hand-overs under way in this isolate (each request's own call; see {@link flush}). */
  private handingOver = 0;

  /** Adds `by` to counter `name` with `labels`. */
  count<M extends CounterName>(name: M, labels: LabelsOf<M>, by = 1): void {
    this.add(name, labels as Record<string, string>, by);
  }

  /**
   * Records one observation of `seconds` in histogram `name`. Each series keeps one count per bucket
   * (the first bucket the observation fits), its sum and its count; the cumulative `_bucket`, `_sum`
   * and `_count` counters are built when the batch is handed over, not per observation.
   */
  observe<M extends HistogramName>(name: M, labels: LabelsOf<M>, seconds: number): void {
    const base = labels as Record<string, string>;
    const key = `${name}\u0000${JSON.stringify(base)}`;
    let series = this.histograms.get(key);
    if (!series) {
      series = {
        name,
        labels: base,
        buckets: new Array(DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.histograms.set(key, series);
    }
    let index = 0;
    while (index < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[index]!) index++;
    series.buckets[index]!++;
    series.sum += seconds;
    series.count++;
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
    // Started from a resolved promise so `armed` is set before the timer clears it, even at a delay of 0
    // (run inline, the clearing came first and the recorder stayed armed, handing nothing over again).
    const armed = Promise.resolve().then(async () => {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      this.armed = null;
      await this.flush(env);
    });
    this.armed = armed;
    ctx.waitUntil(armed);
  }

  /**
   * For invocations that work in bulk (a queue batch, a cron tick): hands what was recorded to the
   * aggregator at once, in `waitUntil`, instead of arming the timer. A timer armed there would hold
   * the invocation open for the whole flush interval: the local queue broker waits for an invocation,
   * `waitUntil` included, before it dispatches the next batch, which capped the pipeline at about one
   * batch per interval (measured: 243 against 1,024 events/s end to end with /v1/batch). One hand-over
   * per batch costs one call beside the batch's own tens of milliseconds.
   */
  handOver(env: MetricsEnv, ctx: Pick<ExecutionContext, "waitUntil">): void {
    if (!env.METRICS || this.isEmpty()) return;
    ctx.waitUntil(this.flush(env));
  }

  /** Hands everything recorded so far to the aggregator now; a failed hand-over keeps the counts for the next. */
  async flush(env: MetricsEnv): Promise<void> {
    if (!env.METRICS || this.isEmpty()) return;
    const batch = this.take();
    this.handingOver++;
    try {
      await env.METRICS.get(env.METRICS.idFromName(AGGREGATOR)).add(batch);
    } catch (error) {
      this.putBack(batch);
      log.warn("metrics_flush_failed", { error: String(error).slice(0, 200) });
    } finally {
      this.handingOver--;
    }
  }

  /**
   * For readers of the aggregator (a scrape, the console's overview): {@link flush}, then waits until
   * the hand-overs other requests of this isolate have under way have landed too (up to
   * {@link SETTLE_MS}), so the reader sees every count made before it. It waits by polling in its own
   * request's context, never by awaiting another request's call, whose I/O would resume this request in
   * the wrong context (see lib/own-promise.ts). The delivery path and queue batches only flush.
   */
  async flushForReading(env: MetricsEnv): Promise<void> {
    await this.flush(env);
    for (let waited = 0; this.handingOver > 0 && waited < SETTLE_MS; waited += SETTLE_POLL_MS)
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }

  private add(name: string, labels: Record<string, string>, by: number): void {
    const key = `${name}\u0000${JSON.stringify(labels)}`;
    const entry = this.counters.get(key);
    if (entry) entry.value += by;
    else this.counters.set(key, { name, labels, value: by });
  }

  private isEmpty(): boolean {
    return (
      this.counters.size === 0 &&
      this.histograms.size === 0 &&
      this.sent.size === 0 &&
      this.processed.size === 0
    );
  }

  private take(): MetricsBatch {
    for (const series of this.histograms.values()) this.expand(series);
    this.histograms = new Map();
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

  /**
   * Adds a histogram series' observations to the counters as Prometheus has them: `_bucket{le}`
   * cumulative (a bucket no observation reached is left out, as if never incremented), `_sum`, `_count`.
   */
  private expand(series: HistogramSeries): void {
    const { name, labels, buckets } = series;
    let cumulative = 0;
    for (let i = 0; i < buckets.length; i++) {
      cumulative += buckets[i]!;
      if (cumulative === 0) continue;
      const le = i < DURATION_BUCKETS.length ? String(DURATION_BUCKETS[i]) : "+Inf";
      this.add(`${name}_bucket`, { ...labels, le }, cumulative);
    }
    this.add(`${name}_sum`, labels, series.sum);
    this.add(`${name}_count`, labels, series.count);
  }

  private putBack(batch: MetricsBatch): void {
    for (const c of batch.counters) this.add(c.name, c.labels, c.value);
    for (const s of batch.queueSent) this.queueSent(s.queue, s.count, s.second * 1000);
    for (const p of batch.queueProcessed) this.queueProcessed(p.queue, p.count);
  }
}

/** One histogram series between hand-overs: observations per bucket (last: over every bound). */
interface HistogramSeries {
  name: string;
  labels: Record<string, string>;
  buckets: number[];
  sum: number;
  count: number;
}

/** This isolate's recorder. */
export const metrics = new MetricsRecorder();
