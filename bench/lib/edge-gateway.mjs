// The edge benches' gateway (bench/edge.bench.mjs, bench/edge-profile.mjs): the built Worker under
// miniflare with BENCH_ROUTES on, its ingest queue drained by a no-op sink worker in the same workerd
// process, and one Standard Webhooks source whose secret is SECRET.
import { createHmac } from "node:crypto";
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ADMIN_TOKEN, admin, applyMigrations, BUILT_MODULE_RULES, buildWorker } from "./gateway.mjs";
import { findWorkerd } from "./measure.mjs";

const root = path.resolve(import.meta.dirname, "../..");

/** The Standard Webhooks signing key of the bench source (raw bytes) and its `whsec_` secret. */
export const SW_KEY = Buffer.from("bench-edge-standard-webhooks-key!");
export const SECRET = `whsec_${SW_KEY.toString("base64")}`;

/**
 * The gateway, with the ingest queue drained by a no-op sink and the rate limiter's budget raised.
 * `metrics: false` drops the METRICS binding: counters are still taken in memory, never handed over.
 * `discardQueue: true` sets BENCH_QUEUE="discard": the ingest producer serializes, counts and drops each
 * message (bench/lib/discard-queue.ts), so the routes, not miniflare's queue broker, bound req/s.
 * `known`: workerd pids of gateways already started, so this one's process can be told apart.
 * `inspector: true` opens the V8 inspector (bench/lib/inspector.mjs reads it).
 * `scriptPath`: a bundle built elsewhere (e.g. from another commit's worktree, to compare two builds in
 * one session); by default this tree's bench Worker, built once per process.
 * Returns { url, mf, pid, sourceId }.
 */
let built;
export async function startEdgeGateway({
  metrics = true,
  discardQueue = false,
  known = [],
  inspector = false,
  scriptPath = undefined,
} = {}) {
  if (!scriptPath) {
    built ??= buildWorker();
    scriptPath = built;
  }
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  const { "tributary-ingest": _ingest, ...otherConsumers } = workerOptions.queueConsumers ?? {};
  const { METRICS: _metrics, ...otherObjects } = workerOptions.durableObjects ?? {};
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    ...(inspector ? { inspectorPort: 0 } : {}),
    workers: [
      {
        ...workerOptions,
        ...(metrics ? {} : { durableObjects: otherObjects }),
        name: "tributary",
        modules: true,
        scriptPath,
        modulesRoot: path.dirname(scriptPath),
        modulesRules: BUILT_MODULE_RULES,
        ...(inspector ? { unsafeInspectorProxy: true } : {}),
        bindings: {
          ...workerOptions.bindings,
          ADMIN_TOKEN,
          SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
          PUBLIC_BASE_URL: "http://127.0.0.1",
          BENCH_ROUTES: "true",
          ...(discardQueue ? { BENCH_QUEUE: "discard" } : {}),
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
  return { url, mf, pid: findWorkerd(known), sourceId: source.id };
}

/** A 1 KiB JSON body for request `n`. */
export function body(n) {
  const base = { type: "bench.event", user_id: `u${n % 1000}`, n, timestamp: 1_704_067_200 + n };
  const text = JSON.stringify({ ...base, pad: "" });
  return JSON.stringify({ ...base, pad: "x".repeat(1024 - Buffer.byteLength(text)) });
}

/** The Standard Webhooks signature of `text` under id and timestamp `t` (s): "v1,<base64 HMAC>". */
export function signature(id, t, text) {
  return `v1,${createHmac("sha256", SW_KEY).update(`${id}.${t}.${text}`).digest("base64")}`;
}

/** Headers of a signed delivery of `text` to the bench source (workspace "bench"). */
export function signedHeaders(id, t, text) {
  return {
    "content-type": "application/json",
    "x-bench-workspace": "bench",
    "webhook-id": id,
    "webhook-timestamp": String(t),
    "webhook-signature": signature(id, t, text),
  };
}
