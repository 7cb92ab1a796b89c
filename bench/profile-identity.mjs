// Where the IdentityResolver's CPU goes: a V8 CPU profile of the object alone (projection batches
// built, not run: bench/lib/delayed-d1-entry.ts with BENCH_D1_ELSEWHERE), taken over the inspector
// while 3,000 events are applied in calls of 100 (by the bench's driver object inside workerd, so
// the profile is not mostly the isolate idling for Node), printed as self and inclusive time per function.
// KIND=fresh (new customers, default), returning (the same customers again) or linking (one merge
// per event); PREPARED=1 hands the object its identifiers normalized and event ids derived, as the
// queue consumer does (the bench's "normalized before" rows). Native time (SQLite's exec, structured
// clones) is also listed by the JavaScript function that called it. Not a benchmark (the profiler slows everything); run it to find what to cut next:
//   node bench/profile-identity.mjs
import path from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { startGateway } from "./lib/gateway.mjs";
import { anonymous, fresh, known, linking, returning } from "./lib/identity-events.mjs";
import { loadPrecompute } from "./lib/identity-precompute.mjs";
import { inclusiveTimes, nativeByCaller, openInspector, selfTimes } from "./lib/inspector.mjs";

const root = path.resolve(import.meta.dirname, "..");
const KIND = process.env.KIND ?? "fresh";
const precompute = process.env.PREPARED === "1" ? await loadPrecompute(root) : undefined;
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
const gateway = await startGateway(
  {
    inspectorPort: 0,
    durableObjects: { ...workerOptions.durableObjects, BENCH_DRIVER: "IdentityBenchDriver" },
    bindings: {
      BENCH_D1_DELAY_MS: "0",
      BENCH_D1_ELSEWHERE: "true",
    },
  },
  "bench/lib/delayed-d1-entry.ts",
);
const ns = await gateway.mf.getDurableObjectNamespace("IDENTITY_RESOLVER");
const drivers = await gateway.mf.getDurableObjectNamespace("BENCH_DRIVER");
const driver = drivers.get(drivers.idFromName("driver"));
async function feed(ws, make, from, count) {
  // Batches (and the consumer's share of the work) are built before the first call, outside the timing.
  const calls = [];
  for (let i = from; i < from + count; i += 100) {
    const b = [];
    for (let j = i; j < i + 100; j++) b.push(make(ws, j));
    calls.push([b, precompute ? await precompute(b) : undefined]);
  }
  await driver.load(calls);
  return async () => {
    const { statuses } = await driver.drive(ws);
    if (statuses.stored !== count)
      throw new Error(`expected ${count} stored, got ${JSON.stringify(statuses)}`);
  };
}
const stub = ns.get(ns.idFromName("prof"));
if (KIND === "linking") {
  await (await feed("prof", anonymous, 0, 3000))();
  await (await feed("prof", known, 0, 3000))();
} else await (await feed("prof", fresh, 0, KIND === "returning" ? 4000 : 1000))();
await stub.awaitProjection();
const inspector = await openInspector(gateway.mf);
const { call } = inspector;
await call("Profiler.enable");
await call("Profiler.setSamplingInterval", { interval: 100 });
await call("Profiler.start");
const measured = { returning, linking, fresh }[KIND];
const run = await feed("prof", measured, KIND === "fresh" ? 1000 : 0, 3000);
const t0 = performance.now();
await run();
await stub.awaitProjection();
console.log("events/s", Math.round(3000 / ((performance.now() - t0) / 1000)));
const profile = (await call("Profiler.stop")).profile;
const self = selfTimes(profile);
console.log("total ms", (self.reduce((sum, [, us]) => sum + us, 0) / 1000).toFixed(0));
console.log("SELF");
for (const [key, us] of self.slice(0, 35)) console.log((us / 1000).toFixed(0).padStart(6), "ms", key);
console.log("INCLUSIVE");
for (const [key, us] of inclusiveTimes(profile).slice(0, 45))
  console.log((us / 1000).toFixed(0).padStart(6), "ms", key);
console.log("NATIVE BY CALLER");
for (const [key, us] of nativeByCaller(profile).slice(0, 20))
  console.log((us / 1000).toFixed(0).padStart(6), "ms", key);
inspector.close();
await gateway.stop();
process.exit(0);
