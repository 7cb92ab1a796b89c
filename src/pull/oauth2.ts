import { toBase64, utf8 } from "../lib/encoding";
import {
  guardedFetch,
  NotUtf8,
  type OutboundPolicy,
  OutboundRefused,
  readUtf8Capped,
} from "../lib/outbound/guard";
import type { CachedToken, Credentials } from "../sources/api-credentials";

type ClientCredentials = Extract<Credentials, { type: "oauth2-client-credentials" }>;

/** A token is refreshed this long before it expires, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 60_000;
/** Assumed lifetime when the token response omits `expires_in` (RFC 6749 §5.1 makes it optional). */
const DEFAULT_EXPIRES_IN_S = 3600;

/** Largest token response read, bytes (counted while reading): a token answer is a few hundred bytes. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/** The token endpoint refused or answered something unusable; the message never contains a secret. */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Requests an access token with the client credentials grant (RFC 6749 §4.4). The client id and
 * secret are form-urlencoded before Basic encoding, as §2.3.1 requires.
 * @throws TokenError (retryable for 5xx, timeouts and network errors)
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export async function requestToken(
  credentials: ClientCredentials,
  now: number,
  timeoutMs: number,
  policy: OutboundPolicy,
): Promise<CachedToken> {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (credentials.scope) form.set("scope", credentials.scope);
  if (credentials.audience) form.set("audience", credentials.audience);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (credentials.clientAuth === "basic") {
    const pair = `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`;
    headers.authorization = `Basic ${toBase64(utf8(pair))}`;
  } else {
    form.set("client_id", credentials.clientId);
    form.set("client_secret", credentials.clientSecret);
  }
  let response: Response;
  let text: string | null;
  try {
    // No redirect is ever followed: a 307/308 would re-post the client secret to wherever it points.
    response = await guardedFetch(
      credentials.tokenUrl,
      { method: "POST", headers, body: form.toString(), signal: AbortSignal.timeout(timeoutMs) },
      { ...policy, maxRedirects: 0 },
    );
    if (response.status >= 300 && response.status <= 399) {
      await response.body?.cancel().catch(() => undefined);
      throw new TokenError(
        `token endpoint answered a redirect (${response.status}); redirects are not followed`,
        false,
      );
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new TokenError(
        `token endpoint answered ${response.status}`,
        response.status >= 500 || response.status === 429,
      );
    }
    text = await readUtf8Capped(response, MAX_TOKEN_RESPONSE_BYTES);
  } catch (error) {
    if (error instanceof TokenError) throw error;
    // A token decoded with U+FFFD in it would be sent, refused, and fetched again on every run.
    if (error instanceof NotUtf8) throw new TokenError(`token response: ${error.message}`, false);
    if (error instanceof OutboundRefused) throw new TokenError(`token URL: ${error.message}`, false);
    throw new TokenError(`token endpoint unreachable: ${String(error).slice(0, 120)}`, true);
  }
  if (text === null)
    throw new TokenError(`token response larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes`, false);
  const body = parseObject(text) as {
    access_token?: unknown;
    expires_in?: unknown;
    token_type?: unknown;
  } | null;
  if (typeof body?.access_token !== "string" || body.access_token === "")
    throw new TokenError("token response has no access_token", false);
  if (typeof body.token_type === "string" && body.token_type.toLowerCase() !== "bearer")
    throw new TokenError(`unsupported token_type ${body.token_type.slice(0, 20)}`, false);
  const expiresIn =
    typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S;
  // Refresh a minute early, or halfway through a very short-lived token.
  const lifetimeMs = expiresIn * 1000;
  return {
    accessToken: body.access_token,
    expiresAt: now + Math.max(lifetimeMs / 2, lifetimeMs - EXPIRY_MARGIN_MS),
  };
}

function parseObject(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
