import { z } from "@hono/zod-openapi";
import type { CanonicalEvent } from "../events/event";
import { fromBase64Strict, sha256Hex, toBase64, utf8 } from "../lib/encoding";
import { parseJsonExact } from "../lib/json";
import { ownPromise } from "../lib/own-promise";
import type { Extension } from "./config";

/**
 * The wire contract between the gateway and an extension endpoint.
 *
 * Request: `POST <endpoint>` with `content-type: application/json` and body
 * `{ type: "tributary.extension.request", extension: {id, name}, workspace, event: {key, sourceId,
 * type, occurredAt (ISO-8601), identifiers, traits, properties} }`.
 *
 * Answer: 204 (nothing to add) or 200 with `{ action?: "enrich" | "reject", reason?, traits?,
 * properties? }`. `enrich` (the default) merges the given traits and properties into the event,
 * top-level keys replacing; `reject` refuses the event (sync only) with `reason`.
 */
export const AnswerSchema = z.object({
  action: z.enum(["enrich", "reject"]).default("enrich"),
  reason: z.string().max(500).optional(),
  traits: z.record(z.string().min(1).max(128), z.unknown()).optional(),
  properties: z.record(z.string().min(1).max(128), z.unknown()).optional(),
});

/** A parsed answer: what to merge, or a rejection. */
export type Answer =
  | { action: "enrich"; traits: Record<string, unknown>; properties: Record<string, unknown> }
  | { action: "reject"; reason: string };

/** Largest answer body read, bytes; a bigger one is an invalid answer. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** The JSON body sent to `extension` about `event`. */
export function requestBody(
  extension: Pick<Extension, "id" | "name" | "workspace">,
  event: CanonicalEvent,
): string {
  return JSON.stringify({
    type: "tributary.extension.request",
    extension: { id: extension.id, name: extension.name },
    workspace: extension.workspace,
    event: {
      key: event.eventKey,
      sourceId: event.sourceId,
      type: event.type,
      occurredAt: new Date(event.occurredAt).toISOString(),
      identifiers: event.identifiers,
      traits: event.traits,
      properties: event.properties,
    },
  });
}

/**
 * The message id of the call about one event to one extension. Stable across retries and
 * redeliveries, so a receiver can deduplicate on `webhook-id` as the Standard Webhooks spec advises.
 */
export async function messageIdFor(
  extensionId: string,
  event: Pick<CanonicalEvent, "workspace" | "sourceId" | "eventKey">,
): Promise<string> {
  const digest = await sha256Hex(
    `${event.workspace}\u0000${event.sourceId}\u0000${event.eventKey}\u0000${extensionId}`,
  );
  return `msg_${digest.slice(0, 32)}`;
}

/**
 * Request headers for one call: content type, `webhook-id`, and the credentials of the extension's
 * auth scheme. Standard Webhooks: `webhook-timestamp` (seconds) and `webhook-signature: v1,<base64
 * HMAC-SHA256 of "<id>.<timestamp>.<body>" keyed with the base64-decoded secret>`.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export async function requestHeaders(
  extension: Pick<Extension, "config" | "secret">,
  messageId: string,
  body: string,
  nowMs = Date.now(),
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "tributary-extensions/1",
    "webhook-id": messageId,
  };
  if (extension.config.auth === "bearer") headers.authorization = `Bearer ${extension.secret}`;
  if (extension.config.auth === "standard-webhooks") {
    const timestamp = String(Math.floor(nowMs / 1000));
    const key = await signingKey(extension.secret ?? "");
    const mac = await crypto.subtle.sign("HMAC", key, utf8(`${messageId}.${timestamp}.${body}`));
    headers["webhook-timestamp"] = timestamp;
    headers["webhook-signature"] = `v1,${toBase64(mac)}`;
  }
  return headers;
}

/**
 * Imported HMAC keys by secret: importing costs more than signing a small body, and one isolate signs
 * many calls with the same few secrets. Bounded, so rotated-away secrets do not pile up.
 */
const signingKeys = new Map<string, Promise<CryptoKey>>();

function signingKey(secret: string): Promise<CryptoKey> {
  let key = signingKeys.get(secret);
  if (!key) {
    if (signingKeys.size >= 64) signingKeys.clear();
    key = crypto.subtle.importKey(
      "raw",
      fromBase64Strict(secret.slice("whsec_".length)) ?? new Uint8Array(),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    signingKeys.set(secret, key);
  }
  return ownPromise(key);
}

/**
 * Parses a 2xx answer. Returns the answer, or a log-safe reason why it is unusable (never echoes the
 * body, which may carry personal data).
 */
export function parseAnswer(status: number, text: string): Answer | { invalid: string } {
  if (status === 204 || text.trim() === "") return { action: "enrich", traits: {}, properties: {} };
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch {
    return { invalid: "answer is not JSON" };
  }
  const parsed = AnswerSchema.safeParse(json);
  if (!parsed.success)
    return {
      invalid: `answer does not match the extension contract (${parsed.error.issues[0]?.path.join(".") || "body"})`,
    };
  if (parsed.data.action === "reject")
    return { action: "reject", reason: parsed.data.reason ?? "rejected by extension" };
  return { action: "enrich", traits: parsed.data.traits ?? {}, properties: parsed.data.properties ?? {} };
}
