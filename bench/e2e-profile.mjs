// Where the pipeline's CPU goes end to end: a V8 CPU profile of the gateway's isolate (edge, queue
// consumer and IdentityResolver share it) while PHASE=batch (/v1/batch, 100 events per request) or
// PHASE=webhooks (one signed event per request) runs PROFILE_EVENTS (default 3,000) events through to
// D1 (after as many for warm-up; BENCH_FRONT and BENCH_QUEUE as in e2e.bench.mjs), beside the CPU of
// the whole workerd process (miniflare's queue broker, local D1 and R2 run there too). Not a
// benchmark (the profiler slows everything); run it to find what to cut next:
//   node bench/e2e-profile.mjs
import { signedWebhooks, trackBatches } from "./lib/e2e-traffic.mjs";
import { startGateway } from "./lib/gateway.mjs";
import { inclusiveTimes, openInspector, selfTimes } from "./lib/inspector.mjs";
import { allWorkerdCpuMs } from "./lib/measure.mjs";

const PHASE = process.env.PHASE ?? "batch";
const EVENTS = Number(process.env.PROFILE_EVENTS ?? 3000);
const gateway = await startGateway({
  front: process.env.BENCH_FRONT ?? "miniflare",
  bindings: process.env.BENCH_QUEUE === "inline" ? { BENCH_QUEUE: "inline" } : {},
  inspectorPort: 0,
  ratelimits: { INGEST_RATE_LIMITER: { simple: { limit: 1e9, period: 60 } } },
});
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const send =
  PHASE === "batch"
    ? await trackBatches(gateway.url, "prof")
    : await signedWebhooks(gateway.url, "prof").then((hook) => (n) => hook(n, `msg_${n}`));
const requests = PHASE === "batch" ? EVENTS / 100 : EVENTS;
async function drive(from, count) {
  let next = from;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < from + count; i = next++) {
        const r = await send(i);
        if (r.status >= 300) throw new Error(`${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }
    }),
  );
}
async function stored(count) {
  for (;;) {
    const row = await gateway.db.prepare("SELECT count(*) AS n FROM events WHERE workspace = 'prof'").first();
    if (row.n >= count) return;
    await pause(100);
  }
}
// Warm-up: the same number of events first.
await drive(0, requests);
await stored(EVENTS);
const inspector = await openInspector(gateway.mf);
const { call } = inspector;
await call("Profiler.enable");
await call("Profiler.setSamplingInterval", { interval: 200 });
await call("Profiler.start");
const cpu0 = allWorkerdCpuMs();
const t0 = performance.now();
await drive(requests, requests);
await stored(2 * EVENTS);
const seconds = (performance.now() - t0) / 1000;
const cpu = allWorkerdCpuMs() - cpu0;
const profile = (await call("Profiler.stop")).profile;
const self = selfTimes(profile);
const idle = self.filter(([k]) => /\(idle\)|\(program\)|\(garbage collector\)/.test(k));
const total = self.reduce((sum, [, us]) => sum + us, 0) / 1000;
console.log(
  `${PHASE}: ${Math.round(EVENTS / seconds)} events/s; workerd CPU ${(cpu / EVENTS).toFixed(2)} ms/event; profile ${total.toFixed(0)} ms (${idle.map(([k, us]) => `${k} ${(us / 1000).toFixed(0)}`).join(", ")})`,
);
console.log("SELF");
for (const [key, us] of self.slice(0, 40)) console.log((us / 1000).toFixed(0).padStart(6), "ms", key);
console.log("INCLUSIVE");
for (const [key, us] of inclusiveTimes(profile).slice(0, 70))
  console.log((us / 1000).toFixed(0).padStart(6), "ms", key);
inspector.close();
await gateway.stop();
process.exit(0);
