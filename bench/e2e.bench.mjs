// End to end through the identity graph (issue 14): signed requests in, profiles readable in D1 out.
// The built Worker under miniflare (one workerd process, local D1, the real queues, consumer and
// IdentityResolver), one gateway for all three phases, each phase in its own workspace:
//   batch     POST /v1/batch with 100 track events each (an `app` source, write key as Basic auth),
//             BENCH_CONCURRENCY requests in flight; target ≥ 2,000 events/s
//   webhooks  single-event Standard Webhooks deliveries, signed with the official library;
//             target ≥ 1,000 events/s
//   burst     BENCH_BURST deliveries (default 10,000) with 10 % duplicates (the sender's retry: same
//             webhook-id), sent as fast as the gateway takes them, 503s retried after Retry-After;
//             checks each unique event is stored exactly once, and samples the workspace's projection
//             lag (GET …/identity/projection, oldest change not yet in D1) every 200 ms: p50/p99/max
// events/s runs from the first request to the last event's profile readable in D1 (every event's row
// stored and the resolver's outbox empty). Env: BENCH_EVENTS (default 5000 per phase),
// BENCH_CONCURRENCY (default 16), BENCH_BURST (default 10000), BENCH_PHASES (comma-separated subset of
// batch,webhooks,burst; default all three, in that order), BENCH_QUEUE ("inline": the ingest queue is
// bench/lib/inline-queue.ts, which hands batches of 100 to the Worker's queue handler in the isolate
// instead of going through miniflare's local broker, a Durable Object in the same process that takes
// each message as a request; what is left is the gateway's own work. Default: the real local queue),
// BENCH_FRONT ("direct": requests go to the Worker's own socket, without miniflare's entry worker in
// front, see startGateway; default "miniflare").
import { signedWebhooks, trackBatches } from "./lib/e2e-traffic.mjs";
import { ADMIN_TOKEN, startGateway } from "./lib/gateway.mjs";
import { allWorkerdCpuMs } from "./lib/measure.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const PHASES = new Set((process.env.BENCH_PHASES ?? "batch,webhooks,burst").split(",").map((p) => p.trim()));
for (const p of PHASES)
  if (!["batch", "webhooks", "burst"].includes(p)) throw new Error(`BENCH_PHASES: unknown phase ${p}`);

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `send(i)` for i < count with CONCURRENCY in flight; a 503 is retried after its Retry-After. */
async function drive(count, send) {
  let next = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        for (;;) {
          const response = await send(i);
          if (response.status === 202 || response.status === 200) break;
          const text = await response.text();
          if (response.status !== 503) throw new Error(`${response.status} ${text}`);
          refused++;
          await pause(1000 * Number(response.headers.get("retry-after") ?? 1));
        }
      }
    }),
  );
  return refused;
}

/** Resolves once `workspace` has `count` events in D1 and its resolver's outbox is empty. */
async function readable(gateway, workspace, count, onSample = () => {}) {
  const deadline = performance.now() + 900_000;
  for (;;) {
    const row = await gateway.db
      .prepare("SELECT count(*) AS n FROM events WHERE workspace = ?")
      .bind(workspace)
      .first();
    const lag = await projection(gateway, workspace);
    onSample(lag);
    if (row.n >= count && lag.pending === 0) return row.n;
    if (performance.now() > deadline) throw new Error(`${workspace}: ${row.n} of ${count} events in D1`);
    await pause(100);
  }
}

async function projection(gateway, workspace) {
  const response = await fetch(`${gateway.url}/v1/admin/workspaces/${workspace}/identity/projection`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`projection: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Milliseconds of CPU in a `process.cpuUsage()` result (user + system, µs). */
const cpuMs = ({ user, system }) => (user + system) / 1000;

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

async function phase(name, gateway, workspace, events, send, requests) {
  const cpuBefore = allWorkerdCpuMs();
  const driverBefore = process.cpuUsage();
  const started = performance.now();
  const refused = await drive(requests, send);
  const accepted = (performance.now() - started) / 1000;
  const samples = [];
  const stored = await readable(gateway, workspace, events, (lag) =>
    samples.push(lag.oldestPendingAgeSeconds),
  );
  const seconds = (performance.now() - started) / 1000;
  // Events the pipeline archived on the way (the rest wait for the cron's archive outbox).
  const archived = await gateway.db
    .prepare("SELECT count(*) AS n FROM events WHERE workspace = ? AND archived_at IS NOT NULL")
    .bind(workspace)
    .first();
  const row = {
    phase: name,
    events: stored,
    "requests/s accepted": Math.round(requests / accepted),
    "events/s end to end": Math.round(stored / seconds),
    "CPU ms/event": ((allWorkerdCpuMs() - cpuBefore) / stored).toFixed(2),
    // This Node process (signing, HTTP client, polling D1): the other core's load, to tell a phase
    // bound by its driver from one bound by workerd.
    "driver CPU ms/event": (cpuMs(process.cpuUsage(driverBefore)) / stored).toFixed(2),
    "503s retried": refused,
    "archived by the pipeline": archived.n,
  };
  console.log(JSON.stringify(row));
  return row;
}

const QUEUE = process.env.BENCH_QUEUE ?? "broker";
if (!["broker", "inline"].includes(QUEUE)) throw new Error(`BENCH_QUEUE: unknown queue ${QUEUE}`);
const FRONT = process.env.BENCH_FRONT ?? "miniflare";
// The inbound limiter (1,000 per 10 s per source) would refuse the load: its budget is raised out of the way.
const gateway = await startGateway({
  ratelimits: { INGEST_RATE_LIMITER: { simple: { limit: 1e9, period: 60 } } },
  bindings: QUEUE === "inline" ? { BENCH_QUEUE: "inline" } : {},
  front: FRONT,
});
console.log(`ingest queue: ${QUEUE === "inline" ? "inline (no local broker)" : "miniflare's local broker"}`);
console.log(
  `requests: ${FRONT === "direct" ? "to the Worker's own socket" : "through miniflare's entry worker"}`,
);
const rows = [];
try {
  if (PHASES.has("batch")) await batchPhase();
  if (PHASES.has("webhooks")) await webhooksPhase();
  if (PHASES.has("burst")) await burstPhase();
  if (QUEUE === "inline") {
    // Retries re-deliver without the broker's delay; any here would mean the figures include them.
    const inline = await (await fetch(`${gateway.url}/v1/bench/inline-queue`)).json();
    console.log(`inline queue: ${inline.sent} messages sent, ${inline.retried} retried`);
  }
} finally {
  await gateway.stop();
}
console.log(
  `\nEnd to end (signed requests in, profiles readable in D1 out; one workerd process, local D1; ingest queue ${QUEUE}; front ${FRONT})`,
);
console.table(rows);

// batch: /v1/batch, 100 track events per request.
async function batchPhase() {
  const sendBatch = await trackBatches(gateway.url, "e2e-batch");
  const batches = Math.ceil(EVENTS / 100);
  rows.push(
    await phase(
      "batch (/v1/batch, 100 events per request)",
      gateway,
      "e2e-batch",
      batches * 100,
      sendBatch,
      batches,
    ),
  );
}

// webhooks: one signed event per request.
async function webhooksPhase() {
  const sendHook = await signedWebhooks(gateway.url, "e2e-webhooks");
  rows.push(
    await phase(
      "webhooks (Standard Webhooks, 1 event per request)",
      gateway,
      "e2e-webhooks",
      EVENTS,
      (n) => sendHook(n, `msg_${n}`),
      EVENTS,
    ),
  );
}

// burst: 10 % of the deliveries are the sender's retry of an earlier one (same webhook-id).
async function burstPhase() {
  const sendBurst = await signedWebhooks(gateway.url, "e2e-burst");
  const unique = Math.round(BURST / 1.1);
  const order = Array.from({ length: BURST }, (_, i) => (i < unique ? i : Math.floor((i * 7919) % unique)));
  const lags = [];
  const sampler = setInterval(async () => {
    try {
      lags.push((await projection(gateway, "e2e-burst")).oldestPendingAgeSeconds);
    } catch {}
  }, 200);
  const row = await phase(
    `burst (${BURST} deliveries, ${BURST - unique} duplicates)`,
    gateway,
    "e2e-burst",
    unique,
    (i) => sendBurst(order[i], `msg_${order[i]}`),
    BURST,
  );
  clearInterval(sampler);
  const once = await gateway.db
    .prepare(
      "SELECT count(*) AS n, count(DISTINCT event_key) AS keys FROM events WHERE workspace = 'e2e-burst'",
    )
    .first();
  lags.sort((a, b) => a - b);
  row["stored exactly once"] = once.n === unique && once.keys === unique;
  row["projection lag p50/p99/max s"] =
    `${percentile(lags, 50).toFixed(2)}/${percentile(lags, 99).toFixed(2)}/${(lags.at(-1) ?? 0).toFixed(2)}`;
  console.log(JSON.stringify(row));
  rows.push(row);
}
