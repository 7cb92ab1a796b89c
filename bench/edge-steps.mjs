// What each step of the edge's accepted path costs by itself (`node bench/edge-steps.mjs`): each step
// of bench/lib/edge-steps-worker.ts run BENCH_STEP_ITERATIONS times (default 50,000) in a loop inside
// one workerd process, CPU of that process (utime+stime) divided by the iterations, over BENCH_ROUNDS
// rounds (default 5) that take the steps in turn; prints each step's median and range in µs. Without
// HTTP, wrk or the scheduler in the way, a step's figure is steady to a few tenths of a µs, where the
// flat-out req/s of bench/edge.bench.mjs moves by ±20 % between windows. "nothing" is the loop itself.
// Not a benchmark with a target: it says where the real route's extra CPU over the bare one goes.
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { body, SECRET, signedHeaders } from "./lib/edge-gateway.mjs";
import { BUILT_MODULE_RULES, buildWorker } from "./lib/gateway.mjs";
import { findWorkerd, workerdCpuMs } from "./lib/measure.mjs";

const ITERATIONS = Number(process.env.BENCH_STEP_ITERATIONS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = path.resolve(import.meta.dirname, "..");
const scriptPath = buildWorker("bench/lib/edge-steps-worker.ts");
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
const mf = new Miniflare({
  modules: true,
  scriptPath,
  modulesRoot: path.dirname(scriptPath),
  modulesRules: BUILT_MODULE_RULES,
  compatibilityDate: workerOptions.compatibilityDate,
  compatibilityFlags: workerOptions.compatibilityFlags,
  ratelimits: { RATE_LIMITER: { simple: { limit: 1e9, period: 60 } } },
});
try {
  await mf.ready;
  const pid = findWorkerd();
  const text = body(1);
  const input = JSON.stringify({
    headers: signedHeaders("msg_bench", Math.floor(Date.now() / 1000), text),
    body: text,
    secret: SECRET,
  });
  const run = async (query) =>
    (await mf.dispatchFetch(`http://bench/?${query}`, { method: "POST", body: input })).text();
  const names = JSON.parse(await run("list"));
  const figures = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await run(`step=${encodeURIComponent(name)}&n=1000`);
  for (let round = 0; round < ROUNDS; round++)
    for (const name of round % 2 ? [...names].reverse() : names) {
      const before = workerdCpuMs(pid);
      const ok = await run(`step=${encodeURIComponent(name)}&n=${ITERATIONS}`);
      if (ok !== String(ITERATIONS)) throw new Error(`${name}: ${ok} of ${ITERATIONS} succeeded`);
      figures[name].push(((workerdCpuMs(pid) - before) * 1000) / ITERATIONS);
    }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`\n${ITERATIONS} iterations per round, ${ROUNDS} rounds; CPU µs per iteration:\n`);
  console.log("| step | median µs | range |\n| --- | ---: | --- |");
  for (const name of names) {
    const v = figures[name];
    console.log(
      `| ${name} | ${median(v).toFixed(1)} | ${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)} |`,
    );
  }
} finally {
  await mf.dispose();
}
