// The traffic of the end-to-end bench (bench/e2e.bench.mjs) and its profile (bench/e2e-profile.mjs):
// an app source fed `/v1/batch` requests of 100 track events, and a Standard Webhooks source fed
// single signed events (2,000 distinct customers, a trait that changes with every event).
import { Agent, request } from "node:http";
import { Webhook } from "standardwebhooks";
import { admin } from "./gateway.mjs";

/**
 * Keep-alive connections for the traffic's POSTs. Node's `fetch` cost the driver about as much CPU per
 * request as workerd spent on the whole event (1.15 ms each, 2026-12-03), so on two cores the
 * webhooks phase measured its own client; `http.request` on kept-alive sockets costs a fraction.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * POSTs `body` to `url` and reads the whole answer. Returns what the benches read of a fetch Response:
 * { status, ok, headers: { get(name) }, text(), arrayBuffer() }.
 */
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: res.statusCode,
          ok: res.statusCode >= 200 && res.statusCode < 300,
          headers: { get: (name) => res.headers[name.toLowerCase()] ?? null },
          text: async () => bytes.toString("utf8"),
          arrayBuffer: async () => bytes,
        });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const SECRET = `whsec_${Buffer.from("tributary-e2e-bench-secret-00032").toString("base64")}`;

/** Creates an app source in `workspace` and a write key; returns `send(b)`, which posts batch `b` (events b·100 … b·100+99). */
export async function trackBatches(gatewayUrl, workspace) {
  const app = await admin(gatewayUrl, "/v1/admin/sources", {
    name: `e2e ${workspace}`,
    type: "app",
    workspace,
  });
  const { writeKey } = await admin(gatewayUrl, `/v1/admin/sources/${app.id}/write-keys`, { name: "bench" });
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;
  return (b) =>
    post(
      `${gatewayUrl}/v1/batch`,
      { "content-type": "application/json", authorization: auth },
      JSON.stringify({
        batch: Array.from({ length: 100 }, (_, j) => {
          const n = b * 100 + j;
          return {
            type: "track",
            event: "Order Paid",
            messageId: `m-${n}`,
            userId: `u${n % 2000}`,
            properties: { n },
            timestamp: new Date(1_795_953_600_000 + n * 1000).toISOString(),
          };
        }),
      }),
    );
}

/**
 * Creates a Standard Webhooks source in `workspace` with a JSONPath mapping; returns `send(n, id)`,
 * which posts event `n` as webhook-id `id`, signed with the official library.
 */
export async function signedWebhooks(gatewayUrl, workspace) {
  const source = await admin(gatewayUrl, "/v1/admin/sources", {
    name: `e2e ${workspace}`,
    type: "standard-webhooks",
    secret: SECRET,
    workspace,
    mapping: {
      eventType: "$.type",
      occurredAt: "$.at",
      identifiers: { email: "$.email", user_id: "$.user_id" },
      traits: { plan: "$.plan" },
      properties: { n: "$.n" },
    },
  });
  const signer = new Webhook(SECRET);
  return (n, id) => {
    const body = JSON.stringify({
      type: "order.paid",
      user_id: `u${n % 2000}`,
      email: `c${n % 2000}@example.com`,
      plan: `p${n}`,
      n,
      at: new Date(1_795_953_600_000 + n * 1000).toISOString(),
    });
    const at = new Date();
    return post(
      `${gatewayUrl}/v1/sources/${source.id}/webhooks`,
      {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signer.sign(id, at, body),
      },
      body,
    );
  };
}
