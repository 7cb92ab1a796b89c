import { SecretRejected } from "./types";

const MIN_SECRET_CHARS = 8;

/**
 * Validates a secret used as literal UTF-8 key bytes (Stripe, GitHub, Shopify, Slack, Twilio, generic
 * HMAC). Refused: fewer than 8 characters, leading or trailing whitespace and control characters
 * (paste and file accidents; inner spaces are fine, GitHub's own docs use one), and signature prefixes
 * such as `v1,` and `sha256=` pasted with the secret. A trailing CR/LF is stripped before this runs
 * (src/sources/store.ts, with a warning).
 * @throws SecretRejected
 */
export function literalSecret(secret: string): string {
  if (secret.length < MIN_SECRET_CHARS)
    throw new SecretRejected(`the secret must be at least ${MIN_SECRET_CHARS} characters`);
  if (/^\s|\s$/u.test(secret)) throw new SecretRejected("the secret starts or ends with whitespace");
  if (/\p{Cc}/u.test(secret)) throw new SecretRejected("the secret contains control characters");
  if (/^(v\d+,|sha(1|256|512)=)/i.test(secret))
    throw new SecretRejected("the secret starts with a signature prefix");
  return secret;
}
