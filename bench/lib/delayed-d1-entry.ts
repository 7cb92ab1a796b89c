// Bench-only Worker entry: the real Worker, except that the IdentityResolver's D1 binding waits
// BENCH_D1_DELAY_MS (default 0) before every call, to stand in for the network round trip from a
// Durable Object to a D1 primary in production; and, with BENCH_D1_ELSEWHERE="true", that the
// resolver's projection batches are built in full and then not executed, to measure the object on its
// own: locally D1's SQLite runs in the same workerd process and takes its CPU from the object, while
// in production it runs on D1's own machine. Never deployed; bench/identity.bench.mjs builds it.
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
