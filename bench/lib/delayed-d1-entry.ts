// Bench-only Worker entry: the real Worker, except that the IdentityResolver's D1 binding waits
// BENCH_D1_DELAY_MS (default 0) before every call, to stand in for the network round trip from a
// Durable Object to a D1 primary in production; and, with BENCH_D1_ELSEWHERE="true", that the
// resolver's projection batches are built in full and then not executed, to measure the object on its
// own: locally D1's SQLite runs in the same workerd process and takes its CPU from the object, while
// in production it runs on D1's own machine. Also a driver object (IdentityBenchDriver) that calls the
// resolver from inside workerd, as the queue consumer does, so a figure can leave out the bench's own
// hop from Node. Never deployed; bench/identity.bench.mjs builds it.
import { DurableObject } from "cloudflare:workers";
import worker, {
  ExternalSystem,
  IndicatorRecompute,
  MetricsAggregator,
  IdentityResolver as RealResolver,
} from "../../src/index";
import type { Env } from "../../src/lib/env";

export { ExternalSystem, IndicatorRecompute, MetricsAggregator };
export default worker;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `db` with `ms` of waiting added before each first/all/run/raw/batch call. */
function delayed(db: D1Database, ms: number): D1Database {
  if (ms <= 0) return db;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapper = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values)),
      first: async (column?: string) => {
        await pause(ms);
        return column ? statement.first(column) : statement.first();
      },
      all: async () => {
        await pause(ms);
        return statement.all();
      },
      run: async () => {
        await pause(ms);
        return statement.run();
      },
      raw: async () => {
        await pause(ms);
        return statement.raw();
      },
    } as unknown as D1PreparedStatement;
    real.set(wrapper, statement);
    return wrapper;
  };
  return {
    prepare: (sql: string) => wrap(db.prepare(sql)),
    batch: async (statements: D1PreparedStatement[]) => {
      await pause(ms);
      return db.batch(statements.map((s) => real.get(s) ?? s));
    },
    exec: (sql: string) => db.exec(sql),
    dump: () => db.dump(),
  } as unknown as D1Database;
}

/**
 * `db` whose `batch` (the projection's only write) answers at once without running the statements:
 * reads still go to `db`. The projection's version guard then never moves, which only this bench's
 * object-alone rows may live with (they read no projected data back).
 */
function elsewhere(db: D1Database): D1Database {
  return {
    prepare: (sql: string) => db.prepare(sql),
    batch: async (statements: D1PreparedStatement[]) =>
      statements.map(() => ({ success: true, results: [], meta: {} })),
    exec: (sql: string) => db.exec(sql),
    dump: () => db.dump(),
  } as unknown as D1Database;
}

/** The IdentityResolver, its D1 delayed (or its projection's batches dropped, see above). */
export class IdentityResolver extends RealResolver {
  constructor(
    ctx: DurableObjectState,
    env: Env & { BENCH_D1_DELAY_MS?: string; BENCH_D1_ELSEWHERE?: string },
  ) {
    const db = env.BENCH_D1_ELSEWHERE === "true" ? elsewhere(env.DB) : env.DB;
    super(ctx, { ...env, DB: delayed(db, Number(env.BENCH_D1_DELAY_MS ?? 0)) });
  }
}

/**
 * Calls the IdentityResolver of a workspace from inside workerd, over RPC, as the queue consumer does
 * (a structured clone of each batch, no HTTP): {@link load} takes the batches from Node, {@link drive}
 * then sends them one call after the other and returns the wall time of those calls. The Node↔workerd
 * proxy of the bench (about 10 ms per call of 100 events: a call of 100 duplicates, which the object
 * answers from one read, ran at ~10,000 events/s from Node) is thus left out of the figure. The clock
 * in workerd moves only across I/O; each awaited call is I/O, so the time covers every call, and the
 * resolver's drain, which runs in the same isolate between and beside the calls.
 */
export class IdentityBenchDriver extends DurableObject<Env> {
  private calls: [events: unknown[], given: unknown][] = [];

  /** Keeps `calls` ([events, precomputed or undefined] per call) for the next {@link drive}. */
  async load(calls: [events: unknown[], given: unknown][]): Promise<number> {
    this.calls = calls;
    return calls.length;
  }

  /** Applies the loaded calls to `workspace`'s resolver in order: wall ms, merges, results by status. */
  async drive(workspace: string): Promise<{ ms: number; merges: number; statuses: Record<string, number> }> {
    const stub = this.env.IDENTITY_RESOLVER.get(this.env.IDENTITY_RESOLVER.idFromName(workspace));
    let merges = 0;
    const statuses: Record<string, number> = {};
    const started = Date.now();
    for (const [events, given] of this.calls) {
      // biome-ignore lint/suspicious/noExplicitAny: bench-only; the bench builds canonical events
      const results = await stub.apply(events as any, given as any);
      for (const r of results) {
        merges += r.merged.length;
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }
    const ms = Date.now() - started;
    this.calls = [];
    return { ms, merges, statuses };
  }
}
