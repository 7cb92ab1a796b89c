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
 * Overrides the sender's preset (`idempotencyPreset` of src/sources/senders/<type>.ts).
 */
export const IdempotencyKeySchema = z
  .object({ parts: z.array(IdempotencyKeyPartSchema).min(1).max(8) })
  .openapi("IdempotencyKey", {
    example: { parts: [{ path: "$.event_id" }] },
  });

/** A source's idempotency key settings. */
export type IdempotencyKeyConfig = z.infer<typeof IdempotencyKeySchema>;

/** Keys longer than this are replaced by their hash, so a sender cannot make us store huge keys. */
const MAX_KEY_LENGTH = 200;

/** What {@link idempotencyKeyFor} reads a source's settings from. */
export interface IdempotencySettings {
  idempotencyKey?: IdempotencyKeyConfig;
}

/**
 * Derives a delivery's idempotency key: from the source's configured `idempotencyKey` if set, else
 * from `preset` (its sender's alternatives, tried in order), else `sha256:<hex>` of the raw body. Composite keys are the JSON array of their parts, so no two part
 * lists give the same key. Keys are unique per source (the events table scopes them by source).
 */
export async function idempotencyKeyFor(
  preset: readonly (readonly IdempotencyKeyPart[])[],
  headers: Headers,
  payload: unknown,
  body: Uint8Array,
  settings: IdempotencySettings = {},
): Promise<string> {
  const alternatives = settings.idempotencyKey ? [settings.idempotencyKey.parts] : preset;
  for (const parts of alternatives) {
    const values = parts.map((part) => partValue(part, headers, payload));
    if (values.some((v) => v === undefined)) continue;
    const key = values.length === 1 ? values[0]! : JSON.stringify(values);
    // Sources stored before credential headers were refused as key parts: the key still dedupes, but
    // only its digest reaches the delivery log.
    const secret = readsCredential(parts);
    return secret || key.length > MAX_KEY_LENGTH ? `key-sha256:${await sha256Hex(key)}` : key;
  }
  return `sha256:${await sha256Hex(body)}`;
}

// Part lists are the senders' module-level presets or a source's own settings, the same arrays for
// every delivery: each is checked once (a list built per call, as generic-hmac's, is checked each time).
const credentialReads = new WeakMap<readonly IdempotencyKeyPart[], boolean>();

function readsCredential(parts: readonly IdempotencyKeyPart[]): boolean {
  let reads = credentialReads.get(parts);
  if (reads === undefined) {
    reads = parts.some((part) => "header" in part && isCredentialHeader(part.header));
    credentialReads.set(parts, reads);
  }
  return reads;
}

function partValue(part: IdempotencyKeyPart, headers: Headers, payload: unknown): string | undefined {
  const raw = "header" in part ? headers.get(part.header) : readPath(payload, part.path);
  if (typeof raw === "string") return raw.trim() === "" ? undefined : raw;
  if (typeof raw === "number" && Number.isFinite(raw)) return String(raw);
  return undefined;
}
