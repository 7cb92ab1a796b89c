// Ingest path under load, in one run (issue 4). The built Worker is served by miniflare in one workerd
// process (no wrangler dev proxy) and driven by autocannon with distinct pre-signed Standard Webhooks
// requests carrying a 1 KiB JSON body. Reported for the real ingest route and for a bare route that
// only enqueues (/v1/bench/..., which only the bench entry module bench/worker.ts registers):
//
//   1. edge: accepted requests/s, p50/p99 latency and server CPU per accepted request. The ingest
//      queue is consumed by a no-op sink worker in the same process (it acks every batch), so the
//      figure is the edge plus the local queue broker, not the pipeline.
//   2. end to end: the same two routes with the real pipeline consumer; events/s from the first
//      request to the last event stored in D1, and server CPU per stored event (edge + pipeline).
//   3. burst: 10,000 deliveries (10% duplicates, timestamps shuffled against send order) sent as fast
//      as the gateway takes them, by a sender that retries on 503 after Retry-After; checks that
//      exactly the unique events are stored once and that traits are last-writer-wins by timestamp.
//
// Server CPU = utime+stime of the workerd process (/proc/<pid>/stat, 10 ms ticks) over the window.
// Env: BENCH_REQUESTS (edge phase, default 10000), BENCH_E2E (default 5000), BENCH_BURST (default
// 10000), BENCH_CONNECTIONS (default 32). Exits non-zero if the burst check fails.
import { createHmac } from "node:crypto";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ADMIN_TOKEN, admin, applyMigrations, BUILT_MODULE_RULES, buildWorker } from "./lib/gateway.mjs";
import { findWorkerd, workerdCpuMs } from "./lib/measure.mjs";

const EDGE_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const E2E_REQUESTS = Number(process.env.BENCH_E2E ?? 5_000);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const root = path.resolve(import.meta.dirname, "..");
const SW_KEY = Buffer.from("bench-ingest-standard-webhooks-k");
const SECRET = `whsec_${SW_KEY.toString("base64")}`;
const MAPPING = {
  eventType: "$.type",
  occurredAt: "$.timestamp",
  identifiers: { user_id: "$.user_id" },
  traits: { plan: "$.plan" },
};

const scriptPath = buildWorker();
const load1 = () => loadavg()[0].toFixed(1);
console.log(`machine: ${cpus().length} cores, load average ${load1()} at start`);
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));

/**
 * Starts the gateway; with `sink`, the ingest queue is consumed by a worker that only acks. Without
 * `limiter` the INGEST_RATE_LIMITER binding is left out (the route then skips it), to see what
 * miniflare's simulation of that binding costs locally (see docs/benchmarks.md).
 */
async function start({ sink, limiter = true }) {
  const { "tributary-ingest": ingestConsumer, ...otherConsumers } = workerOptions.queueConsumers ?? {};
  const main = {
    ...workerOptions,
    name: "tributary",
    modules: true,
    scriptPath,
    modulesRoot: path.dirname(scriptPath),
    modulesRules: BUILT_MODULE_RULES,
    bindings: {
      ...workerOptions.bindings,
      ADMIN_TOKEN,
      SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
      PUBLIC_BASE_URL: "http://127.0.0.1",
    },
    // The limiter still runs on every request; its budget is only raised out of the way.
    ratelimits: !limiter
      ? {}
      : {
          INGEST_RATE_LIMITER: {
            ...workerOptions.ratelimits?.INGEST_RATE_LIMITER,
            simple: { limit: 1e9, period: 60 },
          },
        },
    queueConsumers: sink ? otherConsumers : { ...otherConsumers, "tributary-ingest": ingestConsumer },
  };
  const workers = [main];
  if (sink)
    workers.push({
      name: "sink",
      modules: true,
      compatibilityDate: workerOptions.compatibilityDate,
      script: "export default { async queue(batch) { batch.ackAll(); } };",
      queueConsumers: { "tributary-ingest": { maxBatchSize: 100, maxBatchTimeout: 1 } },
    });
  const mf = new Miniflare({ host: "127.0.0.1", port: 0, workers });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB", "tributary");
  await applyMigrations(db);
  return { url, mf, db, pid: findWorkerd() };
}

/** A 1 KiB JSON body for event `n`. */
function body(n, { customers = 1000, timestamp = 1_704_067_200 + n } = {}) {
  const base = { type: "bench.event", user_id: `u${n % customers}`, plan: `plan-${n}`, n, timestamp };
  const text = JSON.stringify({ ...base, pad: "" });
  return JSON.stringify({ ...base, pad: "x".repeat(1024 - Buffer.byteLength(text)) });
}

/** Standard Webhooks headers, signed as the sender would (HMAC-SHA256 over id.timestamp.body). */
function signed(id, text) {
  const t = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", SW_KEY).update(`${id}.${t}.${text}`).digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(t),
    "webhook-signature": `v1,${signature}`,
  };
}

async function createSource(url, workspace) {
  return admin(url, "/v1/admin/sources", {
    name: `bench ${workspace}`,
    workspace,
    type: "standard-webhooks",
    secret: SECRET,
    mapping: MAPPING,
  });
}

function routePath(route, sourceId) {
  return route === "real" ? `/v1/sources/${sourceId}/webhooks` : `/v1/bench/sources/${sourceId}/enqueue`;
}

/** Runs autocannon over `count` distinct pre-signed requests; returns its result and the CPU spent. */
async function load(gateway, route, sourceId, workspace, count, prefix) {
  const requests = Array.from({ length: count + CONNECTIONS * 2 }, (_, n) => {
    const text = body(n);
    return {
      method: "POST",
      path: routePath(route, sourceId),
      headers: { ...signed(`${prefix}_${n}`, text), "x-bench-workspace": workspace },
      body: text,
    };
  });
  let next = 0;
  const cpuBefore = workerdCpuMs(gateway.pid);
  const started = performance.now();
  const result = await autocannon({
    url: gateway.url,
    connections: CONNECTIONS,
    amount: count,
    // Each request is the next pre-signed one (distinct ids and bodies), on autocannon's defaults (Host).
    requests: [{ setupRequest: (defaults) => ({ ...defaults, ...requests[next++] }) }],
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = workerdCpuMs(gateway.pid) - cpuBefore;
  const accepted = result["2xx"];
  return {
    accepted,
    other: result.non2xx + result.errors,
    rps: accepted / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerRequest: cpuMs / accepted,
    started,
  };
}

async function storedEvents(db, workspace) {
  const row = await db
    .prepare("SELECT count(*) AS n, count(DISTINCT event_key) AS k FROM events WHERE workspace = ?")
    .bind(workspace)
    .first();
  return { n: row.n, distinct: row.k };
}

async function waitForEvents(db, workspace, expected, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await storedEvents(db, workspace);
    if (counts.n >= expected) return { at: performance.now(), ...counts };
    if (Date.now() > deadline) throw new Error(`only ${counts.n}/${expected} events stored in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rows = [];

// 1. Edge only (sink consumer).
const VARIANTS = [
  { route: "bare", limiter: true, label: "bare enqueue-only" },
  { route: "real", limiter: true, label: "POST /v1/sources/{id}/webhooks" },
  { route: "real", limiter: false, label: "POST /v1/sources/{id}/webhooks, rate limiter binding off" },
];
for (const { route, limiter, label } of VARIANTS) {
  const gateway = await start({ sink: true, limiter });
  const source = await createSource(gateway.url, "bench");
  await load(gateway, route, source.id, "bench", 500, `warm_${route}`);
  const r = await load(gateway, route, source.id, "bench", EDGE_REQUESTS, `edge_${route}`);
  rows.push({ phase: "edge", label, ...r });
  console.log(
    `edge ${label}: ${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${fmt(r.cpuMsPerRequest, 3)} ms CPU/req, ${r.other} not accepted`,
  );
  await gateway.mf.dispose();
}

// 2. End to end (real consumer).
for (const { route, limiter, label } of VARIANTS) {
  const gateway = await start({ sink: false, limiter });
  const workspace = `e2e-${route}-${limiter}`;
  const source = await createSource(gateway.url, workspace);
  const cpuBefore = workerdCpuMs(gateway.pid);
  const r = await load(gateway, route, source.id, workspace, E2E_REQUESTS, `e2e_${route}`);
  const done = await waitForEvents(gateway.db, workspace, r.accepted);
  const cpuMs = workerdCpuMs(gateway.pid) - cpuBefore;
  const seconds = (done.at - r.started) / 1000;
  const e2e = {
    eventsPerSecond: done.n / seconds,
    cpuMsPerEvent: cpuMs / done.n,
    stored: done.n,
    distinct: done.distinct,
  };
  rows.push({ phase: "e2e", label, ...r, ...e2e });
  console.log(
    `e2e ${label}: ${fmt(r.rps)} req/s accepted while consuming, p50 ${r.p50} ms, p99 ${r.p99} ms; ${fmt(e2e.eventsPerSecond)} events/s first request → last event stored (${done.n} events, ${done.distinct} distinct); ${fmt(e2e.cpuMsPerEvent, 3)} ms CPU/event`,
  );
  await gateway.mf.dispose();
}

// 3. The burst: duplicates, shuffled timestamps, a sender that honours 503 + Retry-After.
const gateway = await start({ sink: false });
const source = await createSource(gateway.url, "burst");
const unique = Math.round(BURST * 0.9);
const customers = 500;
const timestampOf = (n) => 1_704_067_200 + ((n * 7919) % unique);
const sends = [
  ...Array.from({ length: unique }, (_, n) => n),
  ...Array.from({ length: BURST - unique }, (_, n) => (n * 9) % unique),
];
for (let i = sends.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [sends[i], sends[j]] = [sends[j], sends[i]];
}
let refused = 0;
let cursor = 0;
const burstStart = performance.now();
const burstCpu = workerdCpuMs(gateway.pid);
async function sender() {
  while (cursor < sends.length) {
    const n = sends[cursor++];
    const text = body(n, { customers, timestamp: timestampOf(n) });
    for (;;) {
      const response = await fetch(`${gateway.url}/v1/sources/${source.id}/webhooks`, {
        method: "POST",
        headers: signed(`burst_${n}`, text),
        body: text,
      }).catch(() => null);
      if (response?.status === 202) {
        await response.arrayBuffer();
        break;
      }
      if (response && response.status !== 503)
        throw new Error(`burst: unexpected ${response.status} ${await response.text()}`);
      refused++;
      const wait = Math.min(5, Number(response?.headers.get("retry-after") ?? 1));
      await response?.arrayBuffer();
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }
}
await Promise.all(Array.from({ length: CONNECTIONS }, sender));
const burstSent = performance.now();
const burstDone = await waitForEvents(gateway.db, "burst", unique);
await new Promise((r) => setTimeout(r, 3000)); // anything extra (a duplicate stored twice) would show up now
const final = await storedEvents(gateway.db, "burst");
const burstCpuMs = workerdCpuMs(gateway.pid) - burstCpu;
let lwwOk = 0;
const sample = Array.from({ length: 50 }, (_, i) => (i * 37) % customers);
for (const c of sample) {
  const mine = Array.from({ length: unique }, (_, n) => n).filter((n) => n % customers === c);
  const newest = mine.reduce((a, b) => (timestampOf(b) > timestampOf(a) ? b : a));
  const profile = await admin(gateway.url, `/v1/admin/profiles?workspace=burst&identifier=user_id:u${c}`);
  if (profile.traits.plan === `plan-${newest}`) lwwOk++;
}
const burstOk = final.n === unique && final.distinct === unique && lwwOk === sample.length;
console.log(
  `burst: ${BURST} deliveries (${BURST - unique} duplicates) accepted in ${fmt((burstSent - burstStart) / 1000, 1)} s (${fmt(BURST / ((burstSent - burstStart) / 1000))} req/s, ${refused} answered 503 and retried); ` +
    `${final.n} events stored (${final.distinct} distinct, expected ${unique}) ${fmt((burstDone.at - burstStart) / 1000, 1)} s after the first request ` +
    `(${fmt(unique / ((burstDone.at - burstStart) / 1000))} events/s); ${fmt(burstCpuMs / unique, 3)} ms CPU/event; last-writer-wins ok for ${lwwOk}/${sample.length} customers → ${burstOk ? "PASS" : "FAIL"}`,
);
await gateway.mf.dispose();

console.log(`load average ${load1()} at the end`);
console.log(
  `\n| phase | route | accepted req/s | p50 ms | p99 ms | CPU ms/accepted req | events/s end to end | CPU ms/event |`,
);
console.log(`|---|---|---:|---:|---:|---:|---:|---:|`);
for (const r of rows)
  console.log(
    `| ${r.phase} | ${r.label} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${fmt(r.cpuMsPerRequest, 3)} | ${r.eventsPerSecond ? fmt(r.eventsPerSecond) : "—"} | ${r.cpuMsPerEvent ? fmt(r.cpuMsPerEvent, 3) : "—"} |`,
  );
process.exit(burstOk ? 0 : 1);
