// Cost of authentication on the ingest route: requests/s and server CPU time per request for each
// scheme, against the same route with authentication switched off (a bench-only `unauthenticated`
// source, which only the bench entry module bench/worker.ts accepts), in one run, one
// workerd process, on a 1 KiB JSON body. Server CPU = utime+stime of the workerd process
// (/proc/<pid>/stat) over the run, divided by the requests it answered. The ingest queue's consumer
// is switched off so only the edge route is measured (deliveries pile up in the local queue).
// Env: BENCH_SECONDS (default 4), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 8).
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { admin, startGateway } from "./lib/gateway.mjs";
import { findWorkerd, workerdCpuMs } from "./lib/measure.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POOL = 64;
const TWILIO_URL = "https://hooks.example.com/twilio/bench";

const root = path.resolve(import.meta.dirname, "..");
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
const { "tributary-ingest": _ingestConsumer, ...otherConsumers } = workerOptions.queueConsumers ?? {};
const gateway = await startGateway({
  bindings: { SECRETS_KEY: Buffer.alloc(32, 9).toString("base64") },
  // The route still calls the limiter on every request; its budget is only raised out of the way.
  ratelimits: {
    INGEST_RATE_LIMITER: {
      ...workerOptions.ratelimits?.INGEST_RATE_LIMITER,
      simple: { limit: 1e9, period: 60 },
    },
  },
  queueConsumers: otherConsumers,
});

/** A 1 KiB JSON body, distinct per index. */
function body(i) {
  const base = {
    id: `evt_bench_${i}`,
    object: "event",
    type: "customer.updated",
    email: `bench${i}@example.com`,
  };
  const text = JSON.stringify({ ...base, pad: "" });
  return JSON.stringify({ ...base, pad: "x".repeat(1024 - text.length) });
}

const hmac = (alg, key, data, enc) => createHmac(alg, key).update(data).digest(enc);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const now = () => Math.floor(Date.now() / 1000);
const swKey = Buffer.from("bench-standard-webhooks-key-0123");

/** Each scheme: its source settings and how a sender signs body `b` (headers). */
const SCHEMES = {
  "none (unauthenticated)": { type: "unauthenticated", secret: "unused", headers: () => ({}) },
  "standard-webhooks": {
    type: "standard-webhooks",
    secret: `whsec_${swKey.toString("base64")}`,
    headers: (b, i) => {
      const t = now();
      return {
        "webhook-id": `msg_${i}`,
        "webhook-timestamp": String(t),
        "webhook-signature": `v1,${hmac("sha256", swKey, `msg_${i}.${t}.${b}`, "base64")}`,
      };
    },
  },
  stripe: {
    type: "stripe",
    secret: "whsec_bench_stripe_secret",
    headers: (b) => {
      const t = now();
      return {
        "stripe-signature": `t=${t},v1=${hmac("sha256", "whsec_bench_stripe_secret", `${t}.${b}`, "hex")}`,
      };
    },
  },
  github: {
    type: "github",
    secret: "bench-github-secret",
    headers: (b) => ({ "x-hub-signature-256": `sha256=${hmac("sha256", "bench-github-secret", b, "hex")}` }),
  },
  shopify: {
    type: "shopify",
    secret: "shpss_bench_secret",
    headers: (b) => ({ "x-shopify-hmac-sha256": hmac("sha256", "shpss_bench_secret", b, "base64") }),
  },
  slack: {
    type: "slack",
    secret: "bench-slack-signing-secret",
    headers: (b) => {
      const t = now();
      return {
        "x-slack-request-timestamp": String(t),
        "x-slack-signature": `v0=${hmac("sha256", "bench-slack-signing-secret", `v0:${t}:${b}`, "hex")}`,
      };
    },
  },
  "twilio (bodySHA256)": {
    type: "twilio",
    secret: "bench-twilio-auth-token",
    config: { publicUrl: TWILIO_URL },
    query: (b) => `?bodySHA256=${sha256(b)}`,
    headers: (b) => ({
      "x-twilio-signature": hmac(
        "sha1",
        "bench-twilio-auth-token",
        `${TWILIO_URL}?bodySHA256=${sha256(b)}`,
        "base64",
      ),
    }),
  },
  "generic-hmac (sha512)": {
    type: "generic-hmac",
    secret: "bench-generic-secret",
    config: {
      genericHmac: {
        algorithm: "sha512",
        encoding: "hex",
        header: "x-signature",
        prefix: "",
        signedContent: "{body}",
      },
    },
    headers: (b) => ({ "x-signature": hmac("sha512", "bench-generic-secret", b, "hex") }),
  },
  "basic-auth": {
    type: "basic-auth",
    secret: "bench:bench-password-1",
    headers: () => ({ authorization: `Basic ${Buffer.from("bench:bench-password-1").toString("base64")}` }),
  },
  "bearer-token": {
    type: "bearer-token",
    secret: "bench_token_0123456789abcdef",
    headers: () => ({ authorization: "Bearer bench_token_0123456789abcdef" }),
  },
  "api-key": {
    type: "api-key",
    secret: "bench_key_0123456789abcdef",
    headers: () => ({ "x-api-key": "bench_key_0123456789abcdef" }),
  },
};

/** Creates one source per scheme; returns name → source id. */
async function createSources() {
  const ids = {};
  for (const [name, scheme] of Object.entries(SCHEMES)) {
    const source = await admin(gateway.url, "/v1/admin/sources", {
      name: `bench ${name}`,
      type: scheme.type,
      secret: scheme.secret,
      ...scheme.config,
    });
    ids[name] = source.id;
  }
  return ids;
}

/** One measured run of `name`: freshly signed requests (timestamps stay inside the tolerance). */
async function run(name, sourceId) {
  const scheme = SCHEMES[name];
  const requests = Array.from({ length: POOL }, (_, i) => {
    const b = body(i);
    return {
      method: "POST",
      path: `/v1/sources/${sourceId}/webhooks${scheme.query ? scheme.query(b) : ""}`,
      headers: { "content-type": "application/json", ...scheme.headers(b, i) },
      body: b,
    };
  });
  const probe = requests[0];
  const check = await fetch(gateway.url + probe.path, probe);
  if (check.status !== 202) throw new Error(`${name}: probe answered ${check.status} ${await check.text()}`);
  await autocannon({ url: gateway.url, connections: CONNECTIONS, duration: 1, requests }); // warm-up
  const pid = findWorkerd();
  const cpuBefore = workerdCpuMs(pid);
  const result = await autocannon({
    url: gateway.url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests,
  });
  const cpuMs = workerdCpuMs(pid) - cpuBefore;
  if (result.non2xx || result.errors)
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    answered: result["2xx"],
    seconds: result.duration,
    cpuMs,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

// Rounds interleave the schemes so drift in the shared machine's load spreads over all of them
// instead of landing on one.
const totals = Object.fromEntries(
  Object.keys(SCHEMES).map((n) => [n, { answered: 0, seconds: 0, cpuMs: 0, p50: [], p99: [] }]),
);
try {
  const ids = await createSources();
  const names = Object.keys(SCHEMES);
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts at a different scheme, so no scheme always runs at the same point of a round.
    const offset = Math.floor((round * names.length) / ROUNDS);
    for (const name of [...names.slice(offset), ...names.slice(0, offset)]) {
      const r = await run(name, ids[name]);
      const t = totals[name];
      t.answered += r.answered;
      t.seconds += r.seconds;
      t.cpuMs += r.cpuMs;
      t.p50.push(r.p50);
      t.p99.push(r.p99);
    }
  }
} finally {
  await gateway.stop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perRequest = (t) => t.cpuMs / t.answered;
const baseline = perRequest(totals["none (unauthenticated)"]);
console.log(
  `\nIngest route, 1 KiB JSON body, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS} s per scheme, one workerd process`,
);
console.log("| scheme | requests/s | p50 ms | p99 ms | workerd CPU ms/request | vs none |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const [name, t] of Object.entries(totals)) {
  const delta = perRequest(t) - baseline;
  console.log(
    `| ${name} | ${(t.answered / t.seconds).toFixed(0)} | ${median(t.p50)} | ${median(t.p99)} | ${perRequest(t).toFixed(3)} | ${delta >= 0 ? "+" : ""}${delta.toFixed(3)} |`,
  );
}

// Part 2: verification alone. The route's figures above include a D1 source lookup, secret
// decryption and the queue send, which dwarf an HMAC over 1 KiB; here each scheme's verify() runs
// VERIFY_N times inside one request to a bench-only Worker, and the workerd CPU time of that request
// (minus an n=0 request) is divided by VERIFY_N.
const VERIFY_N = Number(process.env.BENCH_VERIFY_N ?? 20000);
const outdir = mkdtempSync(path.join(tmpdir(), "tributary-verify-"));
await build({
  entryPoints: [path.join(root, "bench/lib/verify-worker.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  outfile: path.join(outdir, "verify-worker.js"),
  logLevel: "error",
});
const verifier = new Miniflare({
  modules: true,
  scriptPath: path.join(outdir, "verify-worker.js"),
  modulesRoot: outdir,
  compatibilityDate: "2026-04-20",
  compatibilityFlags: ["nodejs_compat"],
});
const verifierUrl = (await verifier.ready).toString();
const verifierPid = findWorkerd();
const body0 = body(0);
async function verifyCpuMs(name, n) {
  const scheme = SCHEMES[name];
  const query = scheme.query ? scheme.query(body0) : "";
  const job = {
    type: scheme.type,
    n,
    secret: scheme.secret,
    config: scheme.config ?? {},
    url: `https://gateway.example/v1/sources/src_bench/webhooks${query}`,
    headers: { "content-type": "application/json", ...scheme.headers(body0, 0) },
    body: body0,
  };
  const before = workerdCpuMs(verifierPid);
  const response = await fetch(verifierUrl, { method: "POST", body: JSON.stringify(job) });
  if (!response.ok) throw new Error(`${name}: ${response.status} ${await response.text()}`);
  return workerdCpuMs(verifierPid) - before;
}
try {
  console.log(`\nverify() alone, 1 KiB body, ${VERIFY_N} calls per measurement, best of 3`);
  console.log("| scheme | CPU µs per verification |");
  console.log("|---|---:|");
  for (const name of Object.keys(SCHEMES)) {
    await verifyCpuMs(name, 200); // warm-up (JIT, key import paths)
    const samples = [];
    for (let i = 0; i < 3; i++)
      samples.push((await verifyCpuMs(name, VERIFY_N)) - (await verifyCpuMs(name, 0)));
    console.log(`| ${name} | ${((Math.min(...samples) * 1000) / VERIFY_N).toFixed(1)} |`);
  }
} finally {
  await verifier.dispose();
}
