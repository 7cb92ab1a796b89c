// Identity resolution throughput: the built Worker under miniflare (one workerd process, local D1),
// driving the real IdentityResolver Durable Object over RPC with calls of 100 canonical events (the
// size of one ingest queue batch). Reports, for one workspace: events/s and merges/s applied in the
// object; how long D1's projection took to catch up (events/s into D1); the resolver's D1 calls on
// the resolve path (from its own counters) and the share of its time waiting on D1; then the same with
// BENCH_D1_DELAY_MS (default 20) added to every D1 call of the resolver, a stand-in for production's
// network round trip (bench-only entry: bench/lib/delayed-d1-entry.ts); first, the object alone, its
// projection batches built and not run (D1's SQLite would otherwise share this process's CPU). Works against the design
// before the graph moved into the object too (same RPC), which is how docs/benchmarks.md's "before"
// figures were taken. Each figure is the median of BENCH_ROUNDS rounds (default 3), after a warm-up.
// Env: BENCH_EVENTS (default 3000 per scenario), BENCH_ROUNDS, BENCH_D1_DELAY_MS, BENCH_CONFIGS
// (default "prepared,alone,local,delayed"; "prepared" = the consumer's normalization done before the call),
// BENCH_CALLER: "workerd" (default) = the calls are made by a bench-only object inside workerd
// (IdentityBenchDriver in bench/lib/delayed-d1-entry.ts), over RPC as the queue consumer makes them, and
// timed there; "node" = made from Node through miniflare's proxy, which adds ~10 ms per call of 100
// events (a call of 100 duplicates, answered from one read, runs at ~10,000 events/s that way), so
// that figure can never show more than ~10,000 events/s. Figures before 2026-12-03 14:00 were "node".
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { startGateway } from "./lib/gateway.mjs";
import { anonymous, fresh, known, linking, returning } from "./lib/identity-events.mjs";
import { loadPrecompute } from "./lib/identity-precompute.mjs";
import { findWorkerd, workerdCpuMs } from "./lib/measure.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const DELAY = Number(process.env.BENCH_D1_DELAY_MS ?? 20);
const CALL = 100;
const CALLER = process.env.BENCH_CALLER ?? "workerd";
const root = path.resolve(import.meta.dirname, "..");

async function startWith(delayMs, d1Elsewhere = false) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  const gateway = await startGateway(
    {
      bindings: {
        BENCH_D1_DELAY_MS: String(delayMs),
        BENCH_D1_ELSEWHERE: String(d1Elsewhere),
      },
      durableObjects: { ...workerOptions.durableObjects, BENCH_DRIVER: "IdentityBenchDriver" },
    },
    "bench/lib/delayed-d1-entry.ts",
  );
  const ns = await gateway.mf.getDurableObjectNamespace("IDENTITY_RESOLVER");
  const drivers = await gateway.mf.getDurableObjectNamespace("BENCH_DRIVER");
  driver = drivers.get(drivers.idFromName("driver"));
  driverPid = findWorkerd();
  return { gateway, resolver: (ws) => ns.get(ns.idFromName(ws)), pid: driverPid };
}

/** The queue consumer's share of the work (bench/lib/identity-precompute.mjs); set for "prepared" only. */
let precomputeBatch;

/** Seconds spent inside `apply` calls since the last reset (what "events/s applied" divides by). */
let applySeconds = 0;

/** The bench-only caller inside workerd (see BENCH_CALLER) and its process; set by startWith. */
let driver;
let driverPid;
/** workerd CPU spent taking batches from Node (BENCH_CALLER=workerd), since the last reset. */
let loadCpuMs = 0;

/** Applies `make(ws, i)` for i < count in calls of CALL events; returns the merges made. */
async function feed(stub, ws, make, count, from = 0) {
  const calls = [];
  for (let i = from; i < from + count; i += CALL) {
    const batch = [];
    for (let j = i; j < Math.min(i + CALL, from + count); j++) batch.push(make(ws, j));
    calls.push([batch, precomputeBatch ? await precomputeBatch(batch) : undefined]);
  }
  if (CALLER === "workerd") {
    // Handing the batches over is the bench's own work: its CPU is left out of the CPU column.
    const cpu = workerdCpuMs(driverPid);
    await driver.load(calls);
    loadCpuMs += workerdCpuMs(driverPid) - cpu;
    const { ms, merges, statuses } = await driver.drive(ws);
    applySeconds += ms / 1000;
    const stored = statuses.stored ?? 0;
    if (stored !== count) throw new Error(`expected ${count} stored, got ${JSON.stringify(statuses)}`);
    return merges;
  }
  let merges = 0;
  for (const [batch, given] of calls) {
    const started = performance.now();
    const results = await stub.apply(batch, given);
    applySeconds += (performance.now() - started) / 1000;
    for (const r of results) {
      if (r.status !== "stored") throw new Error(`unexpected ${r.status}`);
      merges += r.merged.length;
    }
  }
  return merges;
}

/** Waits for the projection to D1 (only the design with a projection has one: its stats say so). */
async function caughtUp(stub) {
  const stats = JSON.parse(JSON.stringify(await stub.stats()));
  if ("resolveD1Calls" in stats) await stub.awaitProjection();
}

/** Runs `work` on one fresh workspace; reports applied events/s, merges/s, projection and D1 figures. */
async function measure(env, label, ws, work, setup = async () => {}) {
  const stub = env.resolver(ws);
  await setup(stub, ws);
  await caughtUp(stub);
  await stub.stats(true);
  const cpuBefore = workerdCpuMs(env.pid);
  const started = performance.now();
  applySeconds = 0;
  loadCpuMs = 0;
  const merges = await work(stub, ws);
  const applied = applySeconds;
  await caughtUp(stub);
  const projected = (performance.now() - started) / 1000;
  const cpuMs = workerdCpuMs(env.pid) - cpuBefore - loadCpuMs;
  const stats = JSON.parse(JSON.stringify(await stub.stats()));
  const events = stats.events;
  const newDesign = "resolveD1Calls" in stats;
  const row = {
    scenario: label,
    events,
    "events/s": Math.round(events / applied),
    "merges/s": merges ? Math.round(merges / applied) : "-",
    "into D1 events/s": Math.round(events / projected),
    "resolve-path D1 calls/event": newDesign
      ? (stats.resolveD1Calls / events).toFixed(2)
      : ((stats.d1ReadBatches + stats.d1WriteBatches) / events).toFixed(2),
    "D1 wait % (resolve path)": newDesign
      ? "0%"
      : `${Math.round((100 * (stats.d1ReadMs + stats.d1WriteMs)) / Math.max(1, stats.busyMs))}%`,
    "workerd CPU ms/event": (cpuMs / events).toFixed(3),
  };
  console.log(JSON.stringify(row));
  return row;
}

/** Normalization alone (the same module, bundled for Node): µs per identifier for a realistic mix. */
async function normalizationCost() {
  const outdir = mkdtempSync(path.join(tmpdir(), "tributary-norm-"));
  const outfile = path.join(outdir, "normalize.mjs");
  await build({
    entryPoints: [path.join(root, "src/identity/normalize.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    logLevel: "silent",
  });
  const { Normalizer } = await import(outfile);
  const normalizer = new Normalizer();
  const inputs = [
    { type: "email", value: " Jane.Doe@Example.COM " },
    { type: "phone", value: "+44 (0)161 496 0000" },
    { type: "phone", value: "07700 900123" },
    { type: "device_id", value: "dev-1234-abcd" },
    { type: "user_id", value: "undefined" },
    { type: "email", value: "noreply@shop.io" },
  ];
  const rounds = 20_000;
  for (let i = 0; i < 2000; i++) normalizer.normalize(inputs[i % inputs.length], { defaultRegion: "GB" });
  const perType = {};
  for (const input of inputs) {
    const t = performance.now();
    for (let i = 0; i < rounds; i++) normalizer.normalize(input, { defaultRegion: "GB" });
    perType[`${input.type}:${input.value.trim()}`] =
      `${(((performance.now() - t) * 1000) / rounds).toFixed(1)} µs`;
  }
  return perType;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Runs a scenario ROUNDS times (a fresh workspace each time) and keeps the round with the median events/s. */
async function median(env, label, work, setup) {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++)
    runs.push(await measure(env, label, `${label.replace(/\W+/g, "-")}-${r}`, work, setup));
  runs.sort((a, b) => a["events/s"] - b["events/s"]);
  return runs[Math.floor(runs.length / 2)];
}

const rows = [];
// "object alone": the projection's batches are built and not run (bench/lib/delayed-d1-entry.ts), so
// the figure is the object's own work, as in production where D1 runs elsewhere; "local D1": the
// same process also runs D1's SQLite for the projection; "D1 +N ms": plus a round trip per D1 call.
// "prepared": the object alone, handed identifiers normalized before it as the queue consumer does.
const configs = (process.env.BENCH_CONFIGS ?? "prepared,alone,local,delayed").split(",");
for (const config of configs) {
  const delay = config === "delayed" ? DELAY : 0;
  const env = await startWith(delay, config === "alone" || config === "prepared");
  precomputeBatch = config === "prepared" ? await loadPrecompute(root) : undefined;
  const warm = env.resolver("warmup");
  await feed(warm, "warmup", fresh, 500); // JIT and D1 warm-up, not measured
  await caughtUp(warm);
  const tag = {
    prepared: "object alone, normalized before",
    alone: "object alone",
    local: "local D1",
    delayed: `D1 +${delay} ms`,
  }[config];
  rows.push(await median(env, `${tag}: new customers`, (s, ws) => feed(s, ws, fresh, EVENTS)));
  rows.push(
    await median(
      env,
      `${tag}: returning customers`,
      (s, ws) => feed(s, ws, returning, EVENTS),
      (s, ws) => feed(s, ws, fresh, EVENTS),
    ),
  );
  const half = Math.floor(EVENTS / 2);
  rows.push(
    await median(
      env,
      `${tag}: linking events (1 merge each)`,
      (s, ws) => feed(s, ws, linking, half),
      async (s, ws) => {
        await feed(s, ws, anonymous, half);
        await feed(s, ws, known, half);
      },
    ),
  );
  await env.gateway.stop();
}
console.log("\nIdentity resolution (IdentityResolver DO, one workspace, calls of 100 events)");
console.table(rows);
console.log("Normalization alone (Node, same module):");
console.table(await normalizationCost());
