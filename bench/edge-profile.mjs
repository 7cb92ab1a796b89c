// A CPU profile of the edge's accepted path (`node bench/edge-profile.mjs`): the built bench Worker
// under miniflare with the V8 inspector open, the real route then the bare enqueue route driven by
// N signed 1 KiB Standard Webhooks deliveries each (BENCH_PROFILE_REQUESTS, default 3000, 20 at a time),
// each under V8's sampling profiler (Profiler domain of the Chrome DevTools Protocol). Prints, per route,
// the JavaScript functions with the most self time, so what the real route adds over the bare one can
// be read off. Writes the .cpuprofile files (openable in Chrome DevTools) to the OS temp dir.
// Not a benchmark: the inspector slows everything; compare the two routes' shapes, not their totals.
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ADMIN_TOKEN, admin, applyMigrations, BUILT_MODULE_RULES, buildWorker } from "./lib/gateway.mjs";
import { openInspector, selfTimes } from "./lib/inspector.mjs";

const REQUESTS = Number(process.env.BENCH_PROFILE_REQUESTS ?? 3000);
const root = path.resolve(import.meta.dirname, "..");
const SW_KEY = Buffer.from("bench-edge-standard-webhooks-key!");
const SECRET = `whsec_${SW_KEY.toString("base64")}`;

const scriptPath = buildWorker();
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
const { "tributary-ingest": _ingest, ...otherConsumers } = workerOptions.queueConsumers ?? {};
const mf = new Miniflare({
  host: "127.0.0.1",
  port: 0,
  inspectorPort: 0,
  workers: [
    {
      ...workerOptions,
      name: "tributary",
      modules: true,
      scriptPath,
      modulesRoot: path.dirname(scriptPath),
      modulesRules: BUILT_MODULE_RULES,
      unsafeInspectorProxy: true,
      bindings: {
        ...workerOptions.bindings,
        ADMIN_TOKEN,
        SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
        PUBLIC_BASE_URL: "http://127.0.0.1",
        BENCH_ROUTES: "true",
      },
      ratelimits: {
        INGEST_RATE_LIMITER: {
          ...workerOptions.ratelimits?.INGEST_RATE_LIMITER,
          simple: { limit: 1e9, period: 60 },
        },
      },
      queueConsumers: otherConsumers,
    },
    {
      name: "sink",
      modules: true,
      compatibilityDate: workerOptions.compatibilityDate,
      script: "export default { async queue(batch) { batch.ackAll(); } };",
      queueConsumers: { "tributary-ingest": { maxBatchSize: 100, maxBatchTimeout: 1 } },
    },
  ],
});
const url = (await mf.ready).toString().replace(/\/$/, "");
await applyMigrations(await mf.getD1Database("DB", "tributary"));
const source = await admin(url, "/v1/admin/sources", {
  name: "bench edge",
  workspace: "bench",
  type: "standard-webhooks",
  secret: SECRET,
  mapping: { eventType: "$.type", identifiers: { user_id: "$.user_id" } },
});

function body(n) {
  const base = { type: "bench.event", user_id: `u${n % 1000}`, n, timestamp: 1_704_067_200 + n };
  const text = JSON.stringify({ ...base, pad: "" });
  return JSON.stringify({ ...base, pad: "x".repeat(1024 - Buffer.byteLength(text)) });
}

async function drive(urlPath, prefix) {
  const t = Math.floor(Date.now() / 1000);
  let n = 0;
  let failed = 0;
  const worker = async () => {
    while (n < REQUESTS) {
      const i = n++;
      const text = body(i);
      const id = `${prefix}_${i}`;
      const signature = createHmac("sha256", SW_KEY).update(`${id}.${t}.${text}`).digest("base64");
      const response = await fetch(`${url}${urlPath}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-bench-workspace": "bench",
          "webhook-id": id,
          "webhook-timestamp": String(t),
          "webhook-signature": `v1,${signature}`,
        },
        body: text,
      });
      await response.arrayBuffer();
      if (!response.ok) failed++;
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  return failed;
}

const session = await openInspector(mf);
await session.call("Profiler.enable");
await session.call("Profiler.setSamplingInterval", { interval: 50 });
for (const [name, urlPath] of [
  ["real", `/v1/sources/${source.id}/webhooks`],
  ["bare", `/v1/bench/sources/${source.id}/enqueue`],
]) {
  await drive(urlPath, `warm_${name}`);
  await new Promise((r) => setTimeout(r, 1000));
  await session.call("Profiler.start");
  const failed = await drive(urlPath, `p_${name}`);
  const result = await session.call("Profiler.stop");
  const file = path.join(tmpdir(), `tributary-edge-${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(result.profile));
  const rows = selfTimes(result.profile);
  const total = rows.reduce((s, [, us]) => s + us, 0);
  const idle = rows
    .filter(([k]) => /^\((idle|program|garbage collector)\)/.test(k))
    .reduce((s, [, us]) => s + us, 0);
  console.log(
    `\n${name}: ${REQUESTS} requests (${failed} refused); JS busy ${((total - idle) / REQUESTS).toFixed(0)} µs/request sampled; profile ${file}`,
  );
  for (const [key, us] of rows.slice(0, 30))
    console.log(`  ${(us / REQUESTS).toFixed(1).padStart(7)} µs  ${key}`);
}
session.close();
await mf.dispose();
