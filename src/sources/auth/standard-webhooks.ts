import { prefixedBytes } from "../../lib/bytes";
import { fromBase64Strict } from "../../lib/encoding";
import { anyHmacMatches, type KeyDecoding } from "./hmac";
import { checkTimestamp } from "./timestamp";
import { type AuthScheme, DEFAULT_TOLERANCE_SECONDS, SecretRejected } from "./types";

/** Shortest decoded key accepted: the spec recommends 24-64 bytes; below 16 an HMAC key is guessable. */
const MIN_KEY_BYTES = 16;

/**
 * Standard Webhooks (also Svix): HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` with the
 * base64-decoded bytes after `whsec_`; `webhook-signature` holds space-separated `v1,<base64>` entries,
 * any of which may match; other versions are ignored, never used as a fallback. The same three
 * headers named `svix-id`, `svix-timestamp`, `svix-signature` are accepted too (see {@link headerFamily}).
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export const standardWebhooks: AuthScheme = {
  prepareSecret(secret) {
    if (/^v\d+,/.test(secret))
      throw new SecretRejected(
        "the secret starts with a signature prefix (v1,): paste only the whsec_ secret",
      );
    const key = decodeSecret(secret);
    if (!key) throw new SecretRejected("a Standard Webhooks secret is `whsec_` followed by strict base64");
    if (key.length < MIN_KEY_BYTES)
      throw new SecretRejected(`the decoded key must be at least ${MIN_KEY_BYTES} bytes`);
    return secret;
  },

  async verify(request, secrets, config) {
    const family = headerFamily(request.headers);
    const id = request.headers.get(`${family}-id`);
    const timestamp = request.headers.get(`${family}-timestamp`);
    const header = request.headers.get(`${family}-signature`);
    if (!id || !header)
      return {
        ok: false,
        code: "signature_missing",
        reason: `${family}-id or ${family}-signature missing`,
      };
    const stale = checkTimestamp(
      timestamp,
      request.now,
      config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    );
    if (stale) return stale;
    const signatures: Uint8Array[] = [];
    for (const entry of header.split(" ")) {
      const comma = entry.indexOf(",");
      if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
      const bytes = fromBase64Strict(entry.slice(comma + 1));
      if (bytes) signatures.push(bytes);
    }
    if (signatures.length === 0) return { ok: false, code: "signature_invalid", reason: "no v1 signature" };
    const message = prefixedBytes(`${id}.${timestamp}.`, request.body);
    if (await anyHmacMatches(secrets, "SHA-256", signatures, message, WHSEC_KEY)) return { ok: true };
    return { ok: false, code: "signature_invalid", reason: "no signature matched" };
  },
};

/**
 * Which header family a delivery uses: `webhook-*` (the spec's names) when `webhook-id` is present,
 * else `svix-*` (Svix's defaults, sent by many platforms; the official `svix` library accepts both).
 * The family is chosen by its id header alone, never mixed, so the id the idempotency preset reads
 * (`webhook-id`, else `svix-id`) is always the one the signature covered: an unsigned `webhook-id`
 * added to a captured svix-* delivery makes it fail, not a new delivery.
 * @see https://github.com/svix/svix-webhooks/blob/main/javascript/src/webhook.ts
 */
export function headerFamily(headers: Headers): "webhook" | "svix" {
  return headers.has("webhook-id") || !headers.has("svix-id") ? "webhook" : "svix";
}

function decodeSecret(secret: string): Uint8Array | null {
  if (!secret.startsWith("whsec_")) return null;
  return fromBase64Strict(secret.slice("whsec_".length));
}

/**
 * The key bytes of a `whsec_` secret, decoded once per isolate by the HMAC key cache. A stored secret
 * that no longer decodes to a long enough key is skipped, never used.
 */
const WHSEC_KEY: KeyDecoding = {
  name: "whsec",
  decode: (secret) => {
    const key = decodeSecret(secret);
    return key !== null && key.length >= MIN_KEY_BYTES ? key : null;
  },
};
