// A local warranty service for the demo and the benchmark: the external system behind the "warranty"
// extension. Given a device serial it answers with contract data, speaking the gateway's extension
// contract (src/enrichment/protocol.ts):
//   POST /enrich          extension request → 200 { traits, properties } | 200 { action: "reject" } | 204
//   GET  /warranties/{sn} the contract as JSON, or 404
//   GET  /health          { ok: true }
// With a Standard Webhooks secret (whsec_…) it verifies every request's signature, as a real receiver
// should; with a bearer token it checks the Authorization header.
//
//   node scripts/warranty-service.mjs --port 8789 [--secret whsec_…] [--token …] [--latency-ms 20]
//
// Or from code: `const svc = await startWarrantyService({ port: 0, secret }); … await svc.close();` and
// register it with `POST /v1/admin/extensions` using `warrantyExtension({ url: svc.url, secret })`.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { pathToFileURL } from "node:url";

/** Contracts the demo knows by serial. Any other serial of 4+ letters/digits gets a generated one. */
export const DEMO_CONTRACTS = {
  "123ABC": {
    contractId: "WC-2023-123ABC",
    plan: "extended-5y",
    model: "TV-65-OLED",
    startsAt: "2023-03-01T00:00:00.000Z",
    expiresAt: "2028-03-01T00:00:00.000Z",
    coverageHours: 20_000,
  },
};

const PLANS = [
  { plan: "standard-2y", years: 2, coverageHours: 8_000 },
  { plan: "extended-5y", years: 5, coverageHours: 20_000 },
  { plan: "premium-7y", years: 7, coverageHours: 30_000 },
];

/**
 * The contract of `serial`: a known one, a generated one (deterministic per serial), or null. Serials
 * starting with "STOLEN" have no contract and are refused by the enrich route.
 */
export function contractFor(serial, contracts = DEMO_CONTRACTS) {
  if (typeof serial !== "string") return null;
  const key = serial.trim().toUpperCase();
  if (contracts[key]) return contracts[key];
  if (!/^[A-Z0-9-]{4,64}$/.test(key) || key.startsWith("STOLEN")) return null;
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const { plan, years, coverageHours } = PLANS[hash % PLANS.length];
  const start = Date.UTC(2022, hash % 12, 1 + (hash % 28));
  return {
    contractId: `WC-${key}`,
    plan,
    model: null,
    startsAt: new Date(start).toISOString(),
    expiresAt: new Date(start + years * 365.25 * 86_400_000).toISOString(),
    coverageHours,
  };
}

/** The extension answer for one extension request body (parsed JSON). */
export function answerFor(request, contracts = DEMO_CONTRACTS) {
  const event = request?.event ?? {};
  const properties = event.properties ?? {};
  const serial =
    properties.serial ??
    properties.device_serial ??
    event.identifiers?.find((i) => i.type === "device_serial")?.value;
  if (serial === undefined) return null;
  if (String(serial).toUpperCase().startsWith("STOLEN"))
    return { action: "reject", reason: `serial ${serial} is reported stolen` };
  const contract = contractFor(String(serial), contracts);
  if (!contract) return { properties: { warranty: { status: "none" } } };
  const at = Date.parse(event.occurredAt ?? "") || Date.now();
  const hours = Number(properties.hours);
  const inTime = at < Date.parse(contract.expiresAt);
  const inHours = !Number.isFinite(hours) || hours <= contract.coverageHours;
  return {
    traits: { warranty_plan: contract.plan, warranty_expires_at: contract.expiresAt },
    properties: {
      warranty: {
        status: inTime && inHours ? "covered" : "expired",
        contractId: contract.contractId,
        plan: contract.plan,
        expiresAt: contract.expiresAt,
        coverageHours: contract.coverageHours,
        ...(Number.isFinite(hours) ? { hoursLeft: Math.max(0, contract.coverageHours - hours) } : {}),
      },
    },
  };
}

/**
 * Verifies a Standard Webhooks request: v1 HMAC-SHA256 over "<id>.<timestamp>.<body>" with the decoded
 * `whsec_` key, timestamp within 5 minutes.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function verifyStandardWebhooks(secret, headers, body, nowSeconds = Math.floor(Date.now() / 1000)) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = String(headers["webhook-signature"] ?? "").split(" ");
  if (!id || !timestamp || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.some((entry) => {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * Starts the service. Options: `port` (0 = any free port), `host`, `secret` (Standard Webhooks),
 * `bearerToken`, `latencyMs` (added to every answer), `contracts`, `log`.
 * Returns { url, port, stats, close() }; `stats` counts requests, refusals and answers.
 */
export async function startWarrantyService(options = {}) {
  const {
    port = 8789,
    host = "127.0.0.1",
    secret,
    bearerToken,
    latencyMs = 0,
    contracts = DEMO_CONTRACTS,
  } = options;
  const stats = { requests: 0, unauthorized: 0, enriched: 0, rejected: 0, empty: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      stats.requests += 1;
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://localhost");
      const send = (status, json) => {
        res.writeHead(status, json === undefined ? {} : { "content-type": "application/json" });
        res.end(json === undefined ? undefined : JSON.stringify(json));
      };
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      if (req.method === "GET" && url.pathname === "/health") return send(200, { ok: true });
      const lookup = /^\/warranties\/([^/]+)$/.exec(url.pathname);
      if (req.method === "GET" && lookup) {
        const contract = contractFor(decodeURIComponent(lookup[1]), contracts);
        return contract ? send(200, contract) : send(404, { error: "no contract" });
      }
      if (req.method !== "POST") return send(404, { error: "not found" });
      if (secret && !verifyStandardWebhooks(secret, req.headers, body)) {
        stats.unauthorized += 1;
        return send(401, { error: "bad signature" });
      }
      if (bearerToken && req.headers.authorization !== `Bearer ${bearerToken}`) {
        stats.unauthorized += 1;
        return send(401, { error: "bad token" });
      }
      let request;
      try {
        request = JSON.parse(body);
      } catch {
        return send(400, { error: "not JSON" });
      }
      const answer = answerFor(request, contracts);
      if (!answer) {
        stats.empty += 1;
        return send(204);
      }
      if (answer.action === "reject") stats.rejected += 1;
      else stats.enriched += 1;
      if (options.log)
        console.log(`warranty: ${request.event?.properties?.serial} → ${answer.action ?? "enrich"}`);
      return send(200, answer);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const bound = server.address().port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * The POST /v1/admin/extensions body that plugs a started service into a workspace's pipeline as a
 * sync extension on device events. `secret` must be the service's Standard Webhooks secret.
 */
export function warrantyExtension({
  url,
  secret,
  workspace = "default",
  mode = "sync",
  eventTypes = ["device.*"],
}) {
  return {
    workspace,
    name: "warranty",
    mode,
    endpoint: `${url}/enrich`,
    auth: "standard-webhooks",
    secret,
    timeoutMs: 2000,
    onFailure: "continue",
    match: { eventTypes, conditions: [{ field: "properties.serial", op: "exists" }] },
    provides: ["warranty_plan", "warranty_expires_at", "warranty"],
  };
}

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const service = await startWarrantyService({
    port: Number(arg("port") ?? 8789),
    host: arg("host") ?? "127.0.0.1",
    secret: arg("secret") ?? process.env.WARRANTY_SECRET,
    bearerToken: arg("token") ?? process.env.WARRANTY_TOKEN,
    latencyMs: Number(arg("latency-ms") ?? 0),
    log: true,
  });
  console.log(`warranty service on ${service.url} (POST /enrich, GET /warranties/{serial})`);
  const stop = async () => {
    await service.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
