import { SecretRejected } from "./types";

const MIN_SECRET_CHARS = 8;

/**
 * Validates a secret used as literal UTF-8 key bytes (Stripe, GitHub, Shopify, generic HMAC): a
 * trailing CR/LF (from a secret file) is stripped; inner whitespace, signature prefixes such as
 * `v1,` and `sha256=`, and short secrets are refused (C07).
 * @throws SecretRejected
 */
export function literalSecret(secret: string): string {
  const trimmed = secret.replace(/[\r\n]+$/, "");
  if (trimmed.length < MIN_SECRET_CHARS)
    throw new SecretRejected(`the secret must be at least ${MIN_SECRET_CHARS} characters`);
  if (/\s/.test(trimmed)) throw new SecretRejected("the secret contains whitespace");
  if (/^(v\d+,|sha(1|256|512)=)/i.test(trimmed))
    throw new SecretRejected("the secret starts with a signature prefix");
  return trimmed;
}
