// The enrichment part of `npm run demo` (issue 8): a local warranty service plugged in as a sync
// extension on device events, and activity indicators on the profile. A smart TV reports usage
// ("TV serial S/N 123ABC passed 10,000 hours"); the warranty service adds its contract data before the
// event is stored, and the owner's profile shows the device's usage indicators.
//
//   import { runEnrichDemo } from "./demo-enrich.mjs";
//   await runEnrichDemo({ baseUrl: "http://127.0.0.1:8787", adminToken });
import { randomBytes } from "node:crypto";
import { signStandardWebhooks } from "./lib/senders.mjs";
import { startWarrantyService, warrantyExtension } from "./warranty-service.mjs";

const DEVICE_SOURCE = {
  name: "demo-devices",
  type: "standard-webhooks",
  secret: "whsec_ZGVtby1kZXZpY2VzLWxvY2FsLW9ubHktMDAx",
  mapping: {
    eventId: "$.id",
    eventType: "$.type",
    occurredAt: "$.timestamp",
    identifiers: { device_id: "$.data.serial", email: "$.data.owner_email" },
    properties: { serial: "$.data.serial", hours: "$.data.hours", model: "$.data.model" },
  },
};

const INDICATORS = [
  { name: "device_hours_max", aggregate: "max", field: "properties.hours", eventTypes: ["device.usage"] },
  { name: "device_reports_30d", aggregate: "count", eventTypes: ["device.usage"], windowDays: 30 },
];

/**
 * Starts the warranty service, (re)registers it as the workspace's `warranty` extension, defines the
 * demo indicators when missing, sends two signed device-usage events, and prints the owner's profile.
 * @param {{ baseUrl: string, adminToken: string, email?: string }} options
 * @returns {Promise<{ profileId: string, traits: object, indicators: unknown }>}
 */
export async function runEnrichDemo({ baseUrl, adminToken, email = "john@example.com" }) {
  const base = baseUrl.replace(/\/$/, "");
  const call = async (route, { method, json } = {}) => {
    const response = await fetch(`${base}${route}`, {
      method: method ?? (json === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const service = await startWarrantyService({ port: 0, secret });
  try {
    // The service listens on a new port each run: replace the previous run's registration.
    const existing = (await call("/v1/admin/extensions?workspace=default")).body?.data ?? [];
    for (const extension of existing.filter((e) => e.name === "warranty")) {
      await call(`/v1/admin/extensions/${extension.id}`, { method: "DELETE" });
    }
    const created = await call("/v1/admin/extensions", {
      json: warrantyExtension({ url: service.url, secret }),
    });
    if (created.status !== 201)
      throw new Error(`extension: ${created.status} ${JSON.stringify(created.body)}`);

    const indicators = (await call("/v1/admin/indicators?workspace=default")).body?.data ?? [];
    for (const definition of INDICATORS) {
      if (indicators.some((i) => i.name === definition.name)) continue;
      const made = await call("/v1/admin/indicators", { json: definition });
      if (made.status !== 201)
        throw new Error(`indicator ${definition.name}: ${made.status} ${JSON.stringify(made.body)}`);
    }

    const sources = (await call("/v1/admin/sources")).body.data;
    let source = sources.find((s) => s.name === DEVICE_SOURCE.name);
    if (!source) {
      const made = await call("/v1/admin/sources", { json: DEVICE_SOURCE });
      if (made.status !== 201) throw new Error(`device source: ${made.status} ${JSON.stringify(made.body)}`);
      source = made.body;
    }

    const now = Date.now();
    for (const [i, hours] of [9_200, 10_000].entries()) {
      const body = JSON.stringify({
        id: `usage-123ABC-${hours}-${now}`,
        type: "device.usage",
        timestamp: new Date(now - (1 - i) * 3_600_000).toISOString(),
        data: { serial: "123ABC", model: "TV-65-OLED", hours, owner_email: email },
      });
      const ingestUrl = `${base}/v1/sources/${source.id}/webhooks`;
      const response = await fetch(ingestUrl, {
        method: "POST",
        headers: signStandardWebhooks(DEVICE_SOURCE.secret, body),
        body,
      });
      console.log(
        `  demo-devices             device.usage 123ABC ${hours} h → ${response.status} ${await response.text()}`,
      );
    }

    // Wait until this run's two reports were enriched by the service (an earlier run's data would
    // already satisfy the profile check) and the profile shows the result.
    const deadline = Date.now() + 60_000;
    let profile;
    while (Date.now() < deadline) {
      const found = await call(
        `/v1/admin/profiles?workspace=default&identifier=${encodeURIComponent("device_id:123ABC")}`,
      );
      if (
        service.stats.enriched >= 2 &&
        found.status === 200 &&
        found.body.traits?.warranty_plan &&
        found.body.indicators?.device_hours_max?.value >= 10_000
      ) {
        profile = found.body;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!profile) throw new Error("the enriched device events did not reach the profile in time");
    console.log(
      `\n  warranty service answered ${service.stats.enriched} enrich call(s) (signed requests verified)`,
    );
    console.log(
      `  profile ${profile.id}: warranty_plan=${profile.traits.warranty_plan}, expires ${profile.traits.warranty_expires_at}`,
    );
    const values = Object.entries(profile.indicators ?? {}).map(
      ([name, v]) => `${name}=${JSON.stringify(v.value)}`,
    );
    console.log(`  indicators: ${values.join(", ")}`);
    return { profileId: profile.id, traits: profile.traits, indicators: profile.indicators };
  } finally {
    await service.close();
  }
}
