import { createHmac } from "node:crypto";
import { sign as githubSign } from "@octokit/webhooks-methods";
import twilioWebhooks from "twilio/lib/webhooks/webhooks";
import { standardWebhooksHeaders as sendersStandardWebhooksHeaders } from "../../support/senders";

/**
 * Signing as each sender signs, with its official library where one exists (standardwebhooks,
 * stripe, @octokit/webhooks-methods, twilio). Slack, Shopify and legacy GitHub sha1 have no signing
 * library: those follow the vendor's documented scheme with node:crypto, independently of the
 * WebCrypto code under test. Timestamps are Unix seconds. The headers a whole delivery carries
 * (event names, delivery ids) are in test/support/senders.ts; the library calls that are the same in
 * both (Standard Webhooks, Stripe) live there once.
 */

/** Standard Webhooks headers from the official `standardwebhooks` library, at `timestamp` (Unix s). */
export function standardWebhooksHeaders(secret: string, body: string, timestamp: number, id = "msg_test_1") {
  return sendersStandardWebhooksHeaders(secret, body, id, new Date(timestamp * 1000));
}

/** `Stripe-Signature` from stripe-node's own test-header helper. */
export { stripeHeaders } from "../../support/senders";

/** `X-Hub-Signature-256` from @octokit/webhooks-methods. */
export async function githubHeaders(secret: string, body: string) {
  return { "x-hub-signature-256": await githubSign(secret, body), "x-github-event": "ping" };
}

/** Legacy `X-Hub-Signature: sha1=<hex>` per GitHub's docs (no library signs it any more). */
export function githubSha1Headers(secret: string, body: string | Uint8Array) {
  return {
    "x-hub-signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
    "x-github-event": "ping",
  };
}

/** `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body (Shopify's documented scheme). */
export function shopifyHeaders(secret: string, body: string | Uint8Array) {
  return {
    "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
    "x-shopify-topic": "customers/update",
  };
}

/** Slack's documented v0 scheme: hex HMAC-SHA256 over `v0:{timestamp}:{body}`. */
export function slackHeaders(secret: string, body: string | Uint8Array, timestamp: number | string) {
  const mac = createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex");
  return { "x-slack-request-timestamp": String(timestamp), "x-slack-signature": `v0=${mac}` };
}

/**
 * `X-Twilio-Signature` from the twilio package's own `getExpectedTwilioSignature`, over the URL and
 * the form parameters (a multi-map: repeated names become arrays, as Express would parse them).
 */
export function twilioHeaders(authToken: string, url: string, form: URLSearchParams | null) {
  const params: Record<string, string | string[]> = {};
  if (form) {
    for (const name of new Set(form.keys())) {
      const values = form.getAll(name);
      params[name] = values.length === 1 ? values[0]! : values;
    }
  }
  return {
    "x-twilio-signature": twilioWebhooks.getExpectedTwilioSignature(authToken, url, form ? params : {}),
  };
}

/** Twilio's own validator, to show a request we accept is one Twilio's library accepts too. */
export function twilioValidates(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, unknown>,
) {
  return twilioWebhooks.validateRequest(authToken, signature, url, params);
}

/** SHA-256 hex of a body, as Twilio's library computes `bodySHA256`. */
export function twilioBodyHash(body: string): string {
  return twilioWebhooks.getExpectedBodyHash(body);
}

/** A generic HMAC header value. */
export function genericHmac(
  algorithm: "sha1" | "sha256" | "sha512",
  encoding: "hex" | "base64",
  secret: string,
  content: string | Uint8Array,
) {
  return createHmac(algorithm, secret).update(content).digest(encoding);
}
