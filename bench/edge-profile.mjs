// A CPU profile of the edge's accepted path (`node bench/edge-profile.mjs`): the built bench Worker
// under miniflare with the V8 inspector open, the real route then the bare enqueue route driven by
// N signed 1 KiB Standard Webhooks deliveries each (BENCH_PROFILE_REQUESTS, default 3000, 20 at a time),
// each under V8's sampling profiler (Profiler domain of the Chrome DevTools Protocol). Prints, per route,
// the JavaScript functions with the most self time, so what the real route adds over the bare one can
// be read off. Writes the .cpuprofile files (openable in Chrome DevTools) to the OS temp dir.
// Not a benchmark: the inspector slows everything; compare the two routes' shapes, not their totals.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { body, signedHeaders, startEdgeGateway } from "./lib/edge-gateway.mjs";
import { openInspector, selfTimes } from "./lib/inspector.mjs";

const REQUESTS = Number(process.env.BENCH_PROFILE_REQUESTS ?? 3000);
const { mf, url, sourceId } = await startEdgeGateway({ inspector: true });

async function drive(urlPath, prefix) {
  const t = Math.floor(Date.now() / 1000);
  let n = 0;
  let failed = 0;
  const worker = async () => {
    while (n < REQUESTS) {
      const i = n++;
      const text = body(i);
      const id = `${prefix}_${i}`;
      const response = await fetch(`${url}${urlPath}`, {
        method: "POST",
        headers: signedHeaders(id, t, text),
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
  ["real", `/v1/sources/${sourceId}/webhooks`],
  ["bare", `/v1/bench/sources/${sourceId}/enqueue`],
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
