import { z } from "@hono/zod-openapi";
import { isCredentialHeader } from "../lib/credential-headers";
import { sha256Hex } from "../lib/encoding";
import { readPath } from "../lib/json-path";

/** One part of an idempotency key: a request header (case-insensitive) or a JSON path into the body. */
export const IdempotencyKeyPartSchema = z.union([
  z
    .object({ header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, "an HTTP header name") })
    .strict(),
  z.object({ path: z.string().regex(/^\$(\.[^.[\]]+|\[\d+\])+$/, "a JSON path like $.a.b[0].c") }).strict(),
]);

/** One part of an idempotency key. */
export type IdempotencyKeyPart = z.infer<typeof IdempotencyKeyPartSchema>;

/**
 * A source's idempotency key: one part (a header or a JSON path) or a composite of several, all of
 * which must be present. When any part is missing the key falls back to the hash of the body.
 * Overrides the source type's preset (see {@link IDEMPOTENCY_PRESETS}).
 */
export const IdempotencyKeySchema = z
  .object({ parts: z.array(IdempotencyKeyPartSchema).min(1).max(8) })
  .openapi("IdempotencyKey", {
    example: { parts: [{ path: "$.event_id" }] },
  });

/** A source's idempotency key settings. */
export type IdempotencyKeyConfig = z.infer<typeof IdempotencyKeySchema>;

/**
 * Where each sender puts the id that stays the same across its retries of one event: a list of
 * alternatives tried in order, each a (composite) list of parts. Keyed by source type name.
 * - Standard Webhooks `webhook-id`, else Svix's `svix-id` (https://www.standardwebhooks.com/, "Idempotency")
 * - GitHub `X-GitHub-Delivery` (kept on redelivery: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers)
 * - Shopify `X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id` (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates)
 * - Stripe event `id` (https://docs.stripe.com/webhooks#handle-duplicate-events)
 * - Slack Events API `event_id` (https://api.slack.com/apis/events-api#retries)
 * - Twilio `I-Twilio-Idempotency-Token` (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides)
 */
export const IDEMPOTENCY_PRESETS: Readonly<Record<string, readonly (readonly IdempotencyKeyPart[])[]>> = {
  // The verifier picks the same family by the same rule (auth/standard-webhooks.ts headerFamily), so
  // whichever id is read here is the signed one.
  "standard-webhooks": [[{ header: "webhook-id" }], [{ header: "svix-id" }]],
  github: [[{ header: "x-github-delivery" }]],
  shopify: [[{ header: "x-shopify-event-id" }], [{ header: "x-shopify-webhook-id" }]],
  stripe: [[{ path: "$.id" }]],
  slack: [[{ path: "$.event_id" }]],
  twilio: [[{ header: "i-twilio-idempotency-token" }]],
};

/** Keys longer than this are replaced by their hash, so a sender cannot make us store huge keys. */
const MAX_KEY_LENGTH = 200;

/** What {@link idempotencyKeyFor} reads a source's settings from. */
export interface IdempotencySettings {
  idempotencyKey?: IdempotencyKeyConfig;
  genericHmac?: { idHeader?: string };
}

/**
 * Derives a delivery's idempotency key: from the source's configured `idempotencyKey` if set, else
 * from its type's preset (a generic-HMAC source with an `idHeader` uses that header), else
 * `sha256:<hex>` of the raw body. Composite keys are the JSON array of their parts, so no two part
 * lists give the same key. Keys are unique per source (the events table scopes them by source).
 */
export async function idempotencyKeyFor(
  type: string,
  headers: Headers,
  payload: unknown,
  body: Uint8Array,
  settings: IdempotencySettings = {},
): Promise<string> {
  for (const parts of alternativesFor(type, settings)) {
    const values = parts.map((part) => partValue(part, headers, payload));
    if (values.some((v) => v === undefined)) continue;
    const key = values.length === 1 ? values[0]! : JSON.stringify(values);
    // Sources stored before credential headers were refused as key parts: the key still dedupes, but
    // only its digest reaches the delivery log.
    const secret = parts.some((part) => "header" in part && isCredentialHeader(part.header));
    return secret || key.length > MAX_KEY_LENGTH ? `key-sha256:${await sha256Hex(key)}` : key;
  }
  return `sha256:${await sha256Hex(body)}`;
}

function alternativesFor(
  type: string,
  settings: IdempotencySettings,
): readonly (readonly IdempotencyKeyPart[])[] {
  if (settings.idempotencyKey) return [settings.idempotencyKey.parts];
  if (type === "generic-hmac" && settings.genericHmac?.idHeader)
    return [[{ header: settings.genericHmac.idHeader }]];
  return IDEMPOTENCY_PRESETS[type] ?? [];
}

function partValue(part: IdempotencyKeyPart, headers: Headers, payload: unknown): string | undefined {
  const raw = "header" in part ? headers.get(part.header) : readPath(payload, part.path);
  if (typeof raw === "string") return raw.trim() === "" ? undefined : raw;
  if (typeof raw === "number" && Number.isFinite(raw)) return String(raw);
  return undefined;
}
