// Pipeline throughput with enrichment (issue 8). The built Worker under miniflare (one workerd process,
// local D1), the real ingest queue and consumer, each scenario on a fresh gateway:
//   plain       no extensions, no indicators
//   indicators  five activity indicators (count, sum, count over a 30-day window, last, distinct count)
//   extensions  two sync extensions: the local warranty service (Standard Webhooks-signed) and a second
//               local service with a bearer token (two external systems, so two ExternalSystem objects)
//   both        the two extensions and the five indicators
// Two ways in: "queue" puts ready envelopes on the ingest queue in batches of 100 (the pipeline alone:
// the edge's signature checks are not in the figure), "http" sends signed Standard Webhooks deliveries
// from BENCH_CONCURRENCY senders (end to end; for plain and both only).
// Reported: events/s from the first message to the last event stored, workerd CPU ms per event, and
// extension calls made (each event must reach each extension exactly once). Then the read side: the
// profile view (indicators are aggregated at read time) of one profile holding BENCH_PROFILE_EVENTS
// events, p50/p95 over 30 reads.
// Env: BENCH_EVENTS (default 2000), BENCH_CONCURRENCY (default 16), BENCH_PROFILE_EVENTS (default 5000).
import { Webhook } from "standardwebhooks";
import { startWarrantyService } from "../scripts/warranty-service.mjs";
import { ADMIN_TOKEN, admin, startGateway } from "./lib/gateway.mjs";
import { allWorkerdCpuMs } from "./lib/measure.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PROFILE_EVENTS = Number(process.env.BENCH_PROFILE_EVENTS ?? 5000);
const SOURCE_SECRET = `whsec_${Buffer.from("bench-pipeline-source-secret-32b").toString("base64")}`;
const EXTENSION_SECRET = `whsec_${Buffer.from("bench-pipeline-extension-secret!").toString("base64")}`;
const CRM_TOKEN = "bench-crm-bearer-token-0123456789";
const WORKSPACE = "bench";
const MODELS = ["TV-55", "TV-65", "TV-77", "SOUNDBAR", "PROJECTOR"];

function payload(i) {
  return {
    type: "device.usage",
    at: new Date(Date.now() - (i % 60) * 86_400_000).toISOString(),
    email: `owner${i % 500}@example.com`,
    serial: `SN${String(i % 500).padStart(6, "0")}`,
    hours: (i * 37) % 25_000,
    amount: (i % 97) + 0.5,
    model: MODELS[i % MODELS.length],
  };
}

/** The ingest queue message the edge would make of delivery `i` (DeliveryEnvelope, src/deliveries/envelope.ts). */
function envelope(sourceId, i) {
  const id = `msg_bench_${i}`;
  return {
    kind: "webhook",
    v: 1,
    deliveryId: `dlv_bench_${i}`,
    sourceId,
    sourceType: "standard-webhooks",
    workspace: WORKSPACE,
    receivedAt: Date.now(),
    idempotencyKey: id,
    headers: { "content-type": "application/json", "webhook-id": id },
    body: JSON.stringify(payload(i)),
  };
}

async function run(name, { extensions, indicators, feed }) {
  // The inbound limiter (1,000 per 10 s per source) would refuse the load: its budget is raised out of the way.
  const gateway = await startGateway({
    ratelimits: { INGEST_RATE_LIMITER: { simple: { limit: 1e9, period: 60 } } },
  });
  const warranty = await startWarrantyService({ port: 0, secret: EXTENSION_SECRET });
  const crm = await startWarrantyService({ port: 0, bearerToken: CRM_TOKEN });
  try {
    const source = await admin(gateway.url, "/v1/admin/sources", {
      name: "bench devices",
      type: "standard-webhooks",
      secret: SOURCE_SECRET,
      workspace: WORKSPACE,
      mapping: {
        eventType: "$.type",
        occurredAt: "$.at",
        identifiers: { email: "$.email" },
        properties: { serial: "$.serial", hours: "$.hours", amount: "$.amount", model: "$.model" },
      },
    });
    if (extensions) await addExtensions(gateway, warranty, crm);
    if (indicators) await addIndicators(gateway);
    const webhook = new Webhook(SOURCE_SECRET);
    const ingest = `${gateway.url}/v1/sources/${source.id}/webhooks`;
    const queue = await gateway.mf.getQueueProducer("INGEST_QUEUE");
    const cpuBefore = allWorkerdCpuMs();
    const started = performance.now();
    let next = 0;
    if (feed === "queue")
      for (let i = 0; i < EVENTS; i += 100)
        await queue.sendBatch(
          Array.from({ length: Math.min(100, EVENTS - i) }, (_, j) => ({ body: envelope(source.id, i + j) })),
        );
    else
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < EVENTS; i = next++) {
            const body = JSON.stringify(payload(i));
            const id = `msg_bench_${i}`;
            const at = new Date();
            const response = await fetch(ingest, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "webhook-id": id,
                "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
                "webhook-signature": webhook.sign(id, at, body),
              },
              body,
            });
            if (response.status !== 202)
              throw new Error(`ingest: ${response.status} ${await response.text()}`);
          }
        }),
      );
    const accepted = performance.now();
    for (;;) {
      const row = await gateway.db.prepare("SELECT count(*) AS n FROM events").first();
      if (row.n >= EVENTS) break;
      if (performance.now() - started > 600_000) throw new Error(`only ${row.n} of ${EVENTS} events stored`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = allWorkerdCpuMs() - cpuBefore;
    const flagged = await gateway.db
      .prepare("SELECT count(*) AS n FROM events WHERE warnings LIKE '%extension%'")
      .first();
    const result = {
      name,
      eventsPerSecond: EVENTS / seconds,
      acceptSeconds: (accepted - started) / 1000,
      seconds,
      cpuMsPerEvent: cpu / EVENTS,
      calls: warranty.stats.requests + crm.stats.requests,
      flagged: flagged.n,
    };
    console.log(
      `${`${name} (${feed})`.padEnd(19)} ${result.eventsPerSecond.toFixed(0).padStart(6)} events/s  (${EVENTS} events in ${seconds.toFixed(1)} s, ` +
        `all in after ${result.acceptSeconds.toFixed(1)} s)  workerd CPU ${result.cpuMsPerEvent.toFixed(2)} ms/event  ` +
        `extension calls ${result.calls}  flagged ${result.flagged}`,
    );
    return { result, gateway };
  } finally {
    await warranty.close();
    await crm.close();
  }
}

async function addExtensions(gateway, warranty, crm) {
  await admin(gateway.url, "/v1/admin/extensions", {
    workspace: WORKSPACE,
    name: "warranty",
    mode: "sync",
    endpoint: `${warranty.url}/enrich`,
    auth: "standard-webhooks",
    secret: EXTENSION_SECRET,
    onFailure: "continue",
    match: { eventTypes: ["device.*"] },
    limits: { ratePerSecond: 5000, burst: 500 },
  });
  await admin(gateway.url, "/v1/admin/extensions", {
    workspace: WORKSPACE,
    name: "crm",
    mode: "sync",
    endpoint: `${crm.url}/crm`,
    auth: "bearer",
    secret: CRM_TOKEN,
    onFailure: "continue",
    limits: { ratePerSecond: 5000, burst: 500 },
  });
}

async function addIndicators(gateway) {
  const base = { workspace: WORKSPACE, eventTypes: ["device.usage"] };
  for (const definition of [
    { ...base, name: "usage_events", aggregate: "count" },
    { ...base, name: "amount_total", aggregate: "sum", field: "properties.amount" },
    { ...base, name: "usage_30d", aggregate: "count", windowDays: 30 },
    { ...base, name: "last_model", aggregate: "last", field: "properties.model" },
    { ...base, name: "models", aggregate: "distinct_count", field: "properties.model" },
  ])
    await admin(gateway.url, "/v1/admin/indicators", definition);
}

/** Profile view latency for one profile with `count` events and the five indicators. */
async function readSide(gateway) {
  const ns = await gateway.mf.getDurableObjectNamespace("IDENTITY_RESOLVER");
  const resolver = ns.get(ns.idFromName(WORKSPACE));
  for (let i = 0; i < PROFILE_EVENTS; i += 100) {
    const events = Array.from({ length: Math.min(100, PROFILE_EVENTS - i) }, (_, j) => {
      const n = i + j;
      return {
        eventKey: `heavy-${n}`,
        workspace: WORKSPACE,
        sourceId: "src_bench_heavy",
        deliveryId: `dlv_heavy_${n}`,
        type: "device.usage",
        occurredAt: Date.now() - (n % 90) * 86_400_000,
        receivedAt: Date.now(),
        identifiers: [{ type: "email", value: "heavy@example.com" }],
        traits: {},
        properties: { amount: n % 50, model: MODELS[n % MODELS.length] },
        warnings: [],
      };
    });
    await resolver.apply(events);
  }
  const found = await admin(
    gateway.url,
    `/v1/admin/profiles?workspace=${WORKSPACE}&identifier=email:heavy@example.com`,
  );
  const times = [];
  let indicators;
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    const response = await fetch(`${gateway.url}/v1/admin/profiles/${found.id}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    indicators = (await response.json()).indicators;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(
    `profile view with ${PROFILE_EVENTS} events and 5 indicators: p50 ${times[14].toFixed(1)} ms, p95 ${times[28].toFixed(1)} ms ` +
      `(usage_events = ${indicators.usage_events.value}, usage_30d = ${indicators.usage_30d.value})`,
  );
}

console.log(`${EVENTS} events per run, 500 customers; http runs: ${CONCURRENCY} concurrent senders`);
const results = {};
for (const [name, options] of [
  ["plain", { extensions: false, indicators: false, feed: "queue" }],
  ["indicators", { extensions: false, indicators: true, feed: "queue" }],
  ["extensions", { extensions: true, indicators: false, feed: "queue" }],
  ["both", { extensions: true, indicators: true, feed: "queue" }],
  ["plain", { extensions: false, indicators: false, feed: "http" }],
  ["both", { extensions: true, indicators: true, feed: "http" }],
]) {
  const { result, gateway } = await run(name, options);
  results[`${name}/${options.feed}`] = result;
  if (options.extensions && result.calls !== 2 * EVENTS)
    console.log(`WARNING: expected ${2 * EVENTS} extension calls, saw ${result.calls}`);
  if (name === "both" && options.feed === "queue") await readSide(gateway);
  await gateway.stop();
}
for (const feed of ["queue", "http"]) {
  const ratio = results[`both/${feed}`].eventsPerSecond / results[`plain/${feed}`].eventsPerSecond;
  console.log(
    `${feed}: two sync extensions + five indicators run at ${(ratio * 100).toFixed(0)} % of the plain pipeline`,
  );
}
