// Identity resolution throughput: the built Worker under miniflare (one workerd process, local D1),
// driving the real IdentityResolver Durable Object over RPC with calls of 100 canonical events (the
// size of one ingest queue batch). Reports resolved events/s and merges/s for one workspace and for
// several at once, where the time goes (D1 round trips and the time spent waiting on them, from the
// resolver's own counters; workerd CPU per event from /proc; normalization alone, measured in Node),
// and the effect of resolving several events per D1 batch (IDENTITY_CHUNK_EVENTS 50 (default) vs 1 vs 20).
// Each figure is the median of BENCH_ROUNDS rounds (default 3), after a warm-up.
// Env: BENCH_EVENTS (default 3000 per scenario), BENCH_WORKSPACES (default 4), BENCH_ROUNDS.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ADMIN_TOKEN, startGateway } from "./lib/gateway.mjs";
import { findWorkerd, workerdCpuMs } from "./lib/measure.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 4);
const CALL = 100;
const root = path.resolve(import.meta.dirname, "..");

/** A canonical event with the given identifiers ([type, value] pairs). */
function event(workspace, key, identifiers, n) {
  return {
    eventKey: key,
    workspace,
    sourceId: "src_bench",
    deliveryId: `dlv_${key}`,
    type: "bench.event",
    occurredAt: 1_795_953_600_000 + n,
    receivedAt: 1_795_953_600_000 + n,
    identifiers: identifiers.map(([type, value]) => ({ type, value })),
    traits: { plan: n % 3 === 0 ? "pro" : "free", seen: n },
    properties: { n },
    warnings: [],
    defaultRegion: "GB",
  };
}

/** New customers: every event brings a new email, phone and device. */
const fresh = (ws, i) =>
  event(
    ws,
    `new-${i}`,
    [
      ["email", ` User${i}@Example.com `],
      ["phone", `07700 9${String(i % 100000).padStart(5, "0")}`],
      ["device_id", `dev-${ws}-${i}`],
    ],
    i,
  );
/** Returning customers: the same identifiers again (matched, nothing claimed). */
const returning = (ws, i) =>
  event(
    ws,
    `again-${i}`,
    [
      ["email", `user${i}@example.com`],
      ["device_id", `dev-${ws}-${i}`],
    ],
    i,
  );
/** Merges: an anonymous device profile and an email profile, then one event linking both. */
const anonymous = (ws, i) => event(ws, `anon-${i}`, [["anonymous_id", `anon-${ws}-${i}`]], i);
const known = (ws, i) => event(ws, `known-${i}`, [["email", `link${i}@example.com`]], i);
const linking = (ws, i) =>
  event(
    ws,
    `link-${i}`,
    [
      ["anonymous_id", `anon-${ws}-${i}`],
      ["email", `link${i}@example.com`],
    ],
    i,
  );

async function startWith(chunkEvents) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  const gateway = await startGateway({
    bindings: {
      ...workerOptions.bindings,
      ADMIN_TOKEN,
      SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
      PUBLIC_BASE_URL: "http://127.0.0.1",
      IDENTITY_CHUNK_EVENTS: String(chunkEvents),
    },
  });
  const ns = await gateway.mf.getDurableObjectNamespace("IDENTITY_RESOLVER");
  return { gateway, resolver: (ws) => ns.get(ns.idFromName(ws)), pid: findWorkerd() };
}

/** Applies `make(ws, i)` for i < count in calls of CALL events; returns results. */
async function feed(stub, ws, make, count, from = 0) {
  let merges = 0;
  for (let i = from; i < from + count; i += CALL) {
    const batch = [];
    for (let j = i; j < Math.min(i + CALL, from + count); j++) batch.push(make(ws, j));
    const results = await stub.apply(batch);
    for (const r of results) {
      if (r.status !== "stored") throw new Error(`unexpected ${r.status}`);
      merges += r.merged.length;
    }
  }
  return merges;
}

/** Runs `work` against the workspaces; reports events/s, merges/s, D1 and CPU figures. */
async function measure(env, label, workspaces, work, setup = async () => {}) {
  const stubs = workspaces.map((ws) => env.resolver(ws));
  await Promise.all(workspaces.map((ws, k) => setup(stubs[k], ws)));
  await Promise.all(stubs.map((s) => s.stats(true)));
  const cpuBefore = workerdCpuMs(env.pid);
  const started = performance.now();
  const merges = (await Promise.all(workspaces.map((ws, k) => work(stubs[k], ws)))).reduce(
    (a, b) => a + b,
    0,
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = workerdCpuMs(env.pid) - cpuBefore;
  const stats = await Promise.all(stubs.map(async (s) => JSON.parse(JSON.stringify(await s.stats()))));
  const sum = (k) => stats.reduce((a, s) => a + s[k], 0);
  const events = sum("events");
  const row = {
    scenario: label,
    workspaces: workspaces.length,
    events,
    "events/s": Math.round(events / seconds),
    "merges/s": merges ? Math.round(merges / seconds) : "-",
    "D1 round trips/event": ((sum("d1ReadBatches") + sum("d1WriteBatches")) / events).toFixed(2),
    "statements/event": (sum("d1Statements") / events).toFixed(1),
    "D1 wait % of DO time": `${Math.round((100 * (sum("d1ReadMs") + sum("d1WriteMs"))) / Math.max(1, sum("busyMs")))}%`,
    "workerd CPU ms/event": (cpuMs / events).toFixed(2),
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

/** Runs a scenario ROUNDS times (fresh workspaces each time) and keeps the round with the median events/s. */
async function median(env, label, count, work, setup) {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const workspaces = Array.from({ length: count }, (_, k) => `${label.replace(/\W+/g, "-")}-${r}-${k}`);
    runs.push(await measure(env, label, workspaces, work, setup));
  }
  runs.sort((a, b) => a["events/s"] - b["events/s"]);
  return runs[Math.floor(runs.length / 2)];
}

const rows = [];
for (const chunk of [50, 20, 1]) {
  const env = await startWith(chunk);
  await feed(env.resolver("warmup"), "warmup", fresh, 500); // JIT and D1 warm-up, not measured
  const tag = `chunk ${chunk}`;
  rows.push(await median(env, `${tag}: new customers`, 1, (s, ws) => feed(s, ws, fresh, EVENTS)));
  if (chunk === 50) {
    rows.push(
      await median(
        env,
        `${tag}: returning customers`,
        1,
        (s, ws) => feed(s, ws, returning, EVENTS),
        (s, ws) => feed(s, ws, fresh, EVENTS),
      ),
    );
    const half = Math.floor(EVENTS / 2);
    rows.push(
      await median(
        env,
        `${tag}: linking events (1 merge each)`,
        1,
        (s, ws) => feed(s, ws, linking, half),
        async (s, ws) => {
          await feed(s, ws, anonymous, half);
          await feed(s, ws, known, half);
        },
      ),
    );
    rows.push(
      await median(env, `${tag}: new customers, ${WORKSPACES} workspaces at once`, WORKSPACES, (s, ws) =>
        feed(s, ws, fresh, EVENTS),
      ),
    );
  }
  await env.gateway.stop();
}
console.log("\nIdentity resolution (IdentityResolver DO + local D1, calls of 100 events)");
console.table(rows);
console.log("Normalization alone (Node, same module):");
console.table(await normalizationCost());
