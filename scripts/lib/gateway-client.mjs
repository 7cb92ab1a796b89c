// A tiny client for the local gateway's admin API, shared by `npm start` and `npm run demo`.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const BASE_URL = process.env.TRIBUTARY_URL ?? "http://127.0.0.1:8787";

/** ADMIN_TOKEN from .dev.vars (created from .dev.vars.example on first start). */
export function adminToken() {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const file = path.join(ROOT, existsSync(path.join(ROOT, ".dev.vars")) ? ".dev.vars" : ".dev.vars.example");
  const match = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(file, "utf8"));
  if (!match) throw new Error(`ADMIN_TOKEN missing from ${file}`);
  return match[1].trim();
}

/** Calls an admin route; resolves to { status, body }. */
export async function admin(route, { method, json } = {}) {
  const response = await fetch(`${BASE_URL}${route}`, {
    method: method ?? (json === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${adminToken()}`, "content-type": "application/json" },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/**
 * True when the gateway answers on BASE_URL within `probeTimeoutMs`. Nothing listening fails at once
 * (connection refused); the timeout only bounds a gateway that accepted the connection.
 */
export async function isUp(probeTimeoutMs = 1000) {
  try {
    return (await fetch(`${BASE_URL}/`, { signal: AbortSignal.timeout(probeTimeoutMs) })).ok;
  } catch {
    return false;
  }
}

/**
 * Per-probe wait of {@link waitUntilUp}. The first requests to a freshly started `wrangler dev` take
 * seconds each (up to about 11 s on a loaded machine) while it builds and loads the Worker; a probe
 * aborted before its answer makes workerd print a "Broken pipe" error for the answer it could not
 * write, so a probe waits for its answer.
 */
const STARTUP_PROBE_MS = 30_000;

/** Waits until the gateway answers, up to `timeoutMs`. */
export async function waitUntilUp(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isUp(Math.max(1000, Math.min(STARTUP_PROBE_MS, deadline - Date.now())))) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the gateway did not answer on ${BASE_URL} within ${timeoutMs / 1000} s`);
}

/** Demo sources (local secrets only). Created by `npm start` when missing, looked up by name. */
export const DEMO_SOURCES = [
  { name: "demo-shopify", type: "shopify", secret: "shpss_demo_local_only_0001" },
  { name: "demo-github", type: "github", secret: "gh_demo_local_only_0001" },
  { name: "demo-stripe", type: "stripe", secret: "whsec_demo_local_only_0001" },
  {
    name: "demo-standard-webhooks",
    type: "standard-webhooks",
    secret: "whsec_ZGVtby1sb2NhbC1vbmx5LWtleS0wMDAx",
    mapping: {
      eventType: "$.type",
      occurredAt: "$.timestamp",
      identifiers: { email: "$.data.email", crm_id: "$.data.crm_id" },
      traits: { name: "$.data.name", plan: "$.data.plan" },
    },
  },
];

/** Creates the demo sources that do not exist yet; returns them all by name. */
export async function ensureDemoSources() {
  const { status, body } = await admin("/v1/admin/sources");
  if (status !== 200) throw new Error(`listing sources failed: ${status} ${JSON.stringify(body)}`);
  const byName = new Map(body.data.map((s) => [s.name, s]));
  for (const demo of DEMO_SOURCES) {
    if (byName.has(demo.name)) continue;
    const created = await admin("/v1/admin/sources", { json: demo });
    if (created.status !== 201)
      throw new Error(`creating ${demo.name}: ${created.status} ${JSON.stringify(created.body)}`);
    byName.set(demo.name, created.body);
  }
  return byName;
}
