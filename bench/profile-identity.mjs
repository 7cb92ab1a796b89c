// Where the IdentityResolver's CPU goes: a V8 CPU profile of the object alone (projection batches
// built, not run: bench/lib/delayed-d1-entry.ts with BENCH_D1_ELSEWHERE), taken over the inspector
// while 3,000 events are applied in calls of 100, printed as self and inclusive time per function.
// KIND=fresh (new customers, default), returning (the same customers again) or linking (one merge
// per event). Not a benchmark (the profiler slows everything); run it to find what to cut next:
//   node --experimental-websocket bench/profile-identity.mjs
import path from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ADMIN_TOKEN, startGateway } from "./lib/gateway.mjs";
import { anonymous, fresh, known, linking, returning } from "./lib/identity-events.mjs";

const root = path.resolve(import.meta.dirname, "..");
const KIND = process.env.KIND ?? "fresh";
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
const port = 9333;
const gateway = await startGateway(
  {
    inspectorPort: port,
    bindings: {
      ...workerOptions.bindings,
      ADMIN_TOKEN,
      SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
      PUBLIC_BASE_URL: "http://127.0.0.1",
      BENCH_D1_DELAY_MS: "0",
      BENCH_D1_ELSEWHERE: "true",
    },
  },
  "bench/lib/delayed-d1-entry.ts",
);
const ns = await gateway.mf.getDurableObjectNamespace("IDENTITY_RESOLVER");
async function feed(stub, ws, make, from, count) {
  for (let i = from; i < from + count; i += 100) {
    const b = [];
    for (let j = i; j < i + 100; j++) b.push(make(ws, j));
    await stub.apply(b);
  }
}
const stub = ns.get(ns.idFromName("prof"));
if (KIND === "linking") {
  await feed(stub, "prof", anonymous, 0, 3000);
  await feed(stub, "prof", known, 0, 3000);
} else await feed(stub, "prof", fresh, 0, KIND === "returning" ? 4000 : 1000);
await stub.awaitProjection();
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
console.log(targets.map((t) => t.title ?? t.id).join(" | "));
const target =
  targets.find((t) => /tributary/.test(t.title ?? "") || /tributary/.test(t.url ?? "")) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener("open", r));
let id = 0;
const pending = new Map();
ws.addEventListener("message", (m) => {
  const d = JSON.parse(m.data);
  if (d.id && pending.has(d.id)) {
    pending.get(d.id)(d);
    pending.delete(d.id);
  }
});
const call = (method, params = {}) =>
  new Promise((r) => {
    const i = ++id;
    pending.set(i, r);
    ws.send(JSON.stringify({ id: i, method, params }));
  });
await call("Profiler.enable");
await call("Profiler.setSamplingInterval", { interval: 100 });
await call("Profiler.start");
const t0 = performance.now();
const measured = { returning, linking, fresh }[KIND];
await feed(stub, "prof", measured, KIND === "fresh" ? 1000 : 0, 3000);
await stub.awaitProjection();
console.log("events/s", Math.round(3000 / ((performance.now() - t0) / 1000)));
const { result } = await call("Profiler.stop");
const { nodes, samples, timeDeltas } = result.profile;
const byId = new Map(nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (let i = 0; i < samples.length; i++) {
  const n = byId.get(samples[i]);
  const dt = timeDeltas[i] ?? 0;
  total += dt;
  const cf = n.callFrame;
  const key = `${cf.functionName || "(anon)"} ${(cf.url || "").split("/").pop()}:${cf.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
// inclusive by function name via parent links
const parent = new Map();
for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (let i = 0; i < samples.length; i++) {
  const dt = timeDeltas[i] ?? 0;
  const seen = new Set();
  let cur = samples[i];
  while (cur !== undefined) {
    const n = byId.get(cur);
    const k = `${n.callFrame.functionName || "(anon)"}:${n.callFrame.lineNumber}`;
    if (!seen.has(k)) {
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
    cur = parent.get(cur);
  }
}
console.log("total ms", (total / 1000).toFixed(0));
console.log("SELF");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 35))
  console.log((v / 1000).toFixed(0).padStart(6), "ms", k);
console.log("INCLUSIVE");
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 45))
  console.log((v / 1000).toFixed(0).padStart(6), "ms", k);
ws.close();
await gateway.stop();
process.exit(0);
