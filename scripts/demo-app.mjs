// The app part of `npm run demo`: an application sends its users' events through Segment's official
// Node SDK (@segment/analytics-node), pointed at the gateway instead of Segment. It creates an `app`
// source and a write key through the admin API, then sends an anonymous page view, an identify, a few
// tracks (one batch request) and an alias, and returns the identifiers it used.
//
//   import { runAppDemo } from "./demo-app.mjs";
//   const used = await runAppDemo({ baseUrl: "http://127.0.0.1:8787", adminToken });
//
// Run alone: `node scripts/demo-app.mjs` (gateway on TRIBUTARY_URL or http://127.0.0.1:8787).
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { Analytics } from "@segment/analytics-node";

/**
 * Sends a small app session through @segment/analytics-node and returns what it used.
 * @param {{ baseUrl: string, adminToken: string, workspace?: string, email?: string }} options
 *   `email` defaults to the Shopify sample buyer's, so the app user joins that customer's profile.
 * @returns {Promise<{ sourceId: string, writeKeyPrefix: string, userId: string, anonymousId: string,
 *   email: string, deviceId: string, events: string[], requests: { path: string, status: number }[] }>}
 * @throws Error when the admin API refuses, or the gateway refuses a request of the SDK
 */
export async function runAppDemo({ baseUrl, adminToken, workspace = "default", email = "john@example.com" }) {
  const base = baseUrl.replace(/\/$/, "");
  const adminCall = async (route, json) => {
    const response = await fetch(`${base}${route}`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(json),
    });
    const body = await response.json();
    if (response.status !== 201) throw new Error(`${route}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const source = await adminCall("/v1/admin/sources", { name: "demo-app", type: "app", workspace });
  const { writeKey, prefix } = await adminCall(`/v1/admin/sources/${source.id}/write-keys`, {
    name: "demo app",
  });

  const suffix = randomUUID().slice(0, 8);
  const userId = `app-user-${suffix}`;
  const anonymousId = `anon-${suffix}`;
  const deviceId = `device-${suffix}`;
  const context = {
    device: { id: deviceId, type: "ios" },
    app: { name: "Tributary Demo", version: "1.0.0" },
  };

  const requests = [];
  const failures = [];
  // flushAt 20: everything below leaves in one POST /v1/batch, as a real app's SDK would send it.
  const analytics = new Analytics({
    writeKey,
    host: base,
    flushAt: 20,
    flushInterval: 10_000,
    maxRetries: 3,
  });
  analytics.on("http_response", (response) =>
    requests.push({ path: new URL(response.url).pathname, status: response.status }),
  );
  analytics.on("error", (error) => failures.push(error));

  analytics.page({ anonymousId, name: "Pricing", properties: { path: "/pricing" }, context });
  analytics.identify({ userId, anonymousId, traits: { email, name: "John Smith", plan: "gold" }, context });
  analytics.track({
    userId,
    event: "Product Viewed",
    properties: { sku: "IPOD-342-N", price: 199 },
    context,
  });
  analytics.track({
    userId,
    event: "Product Added",
    properties: { sku: "IPOD-342-N", quantity: 1 },
    context,
  });
  analytics.track({
    userId,
    event: "Checkout Started",
    properties: { revenue: 199, currency: "USD" },
    context,
  });
  analytics.alias({ userId, previousId: anonymousId });
  await analytics.closeAndFlush({ timeout: 30_000 });
  if (failures.length > 0)
    throw new Error(`the SDK could not deliver: ${failures.map((f) => f.reason ?? f).join("; ")}`);

  return {
    sourceId: source.id,
    writeKeyPrefix: prefix,
    userId,
    anonymousId,
    email,
    deviceId,
    events: ["page", "identify", "Product Viewed", "Product Added", "Checkout Started", "alias"],
    requests,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { BASE_URL, adminToken } = await import("./lib/gateway-client.mjs");
  const used = await runAppDemo({ baseUrl: BASE_URL, adminToken: adminToken() });
  console.log(JSON.stringify(used, null, 2));
}
