/**
 * Whether an HTTP header (any case) usually carries a credential: `Authorization`, cookies, API keys,
 * tokens, secrets, passwords, sessions and the `X-Auth-*` family. Such a value must never be copied
 * somewhere that is stored or shown (an idempotency key lands in the delivery log). Deliberately broad:
 * refusing a harmless header costs an operator one rename; storing a token leaks it. A header named
 * for idempotency (e.g. Twilio's `I-Twilio-Idempotency-Token`) is an id, not a credential.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.2 (Authorization)
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4 (Cookie, Set-Cookie)
 */
export function isCredentialHeader(name: string): boolean {
  const header = name.toLowerCase();
  if (EXACT.has(header)) return true;
  if (header.includes("idempotency")) return false;
  return PATTERNS.some((pattern) => pattern.test(header));
}

const EXACT = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "cookie2",
  "set-cookie",
  "set-cookie2",
  "apikey",
  "api-key",
  "x-api-key",
  "x-apikey",
]);

const PATTERNS = [
  /(^|[-_.])(api[-_]?key|access[-_]?key|private[-_]?key)$/,
  /(^|[-_.])(token|secret|password|passwd|credentials?|session(-id)?|sessionid|signing-key)$/,
  /^x-auth(-|$)/,
  /(^|-)auth(orization)?$/,
];
