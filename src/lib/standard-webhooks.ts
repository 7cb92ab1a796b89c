import { fromBase64Strict, toBase64, utf8 } from "./encoding";

/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`
 * keyed with the base64-decoded part of a `whsec_` secret, `webhook-timestamp` in epoch seconds.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */

/** True when `secret` is `whsec_` + base64 of 16-64 bytes (what the spec's libraries accept). */
export function isWebhookSecret(secret: string): boolean {
  const key = secret.startsWith("whsec_") ? fromBase64Strict(secret.slice(6)) : null;
  return key !== null && key.length >= 16 && key.length <= 64;
}

/** A fresh `whsec_` secret of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/**
 * The three Standard Webhooks headers for sending `body` as message `id` at `nowMs`.
 * @throws Error when `secret` is not a valid `whsec_` secret
 */
export async function standardWebhookHeaders(
  secret: string,
  id: string,
  body: string,
  nowMs = Date.now(),
): Promise<Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>> {
  const raw = secret.startsWith("whsec_") ? fromBase64Strict(secret.slice(6)) : null;
  if (!raw) throw new Error("not a whsec_ secret");
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const timestamp = String(Math.floor(nowMs / 1000));
  const mac = await crypto.subtle.sign("HMAC", key, utf8(`${id}.${timestamp}.${body}`));
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${toBase64(mac)}` };
}
