import { toBase64, utf8 } from "../lib/encoding";
import type { CachedToken, Credentials } from "../sources/api-credentials";

type ClientCredentials = Extract<Credentials, { type: "oauth2-client-credentials" }>;

/** A token is refreshed this long before it expires, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 60_000;
/** Assumed lifetime when the token response omits `expires_in` (RFC 6749 §5.1 makes it optional). */
const DEFAULT_EXPIRES_IN_S = 3600;

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
  try {
    response = await fetch(credentials.tokenUrl, {
      method: "POST",
      headers,
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TokenError(`token endpoint unreachable: ${String(error).slice(0, 120)}`, true);
  }
  if (!response.ok)
    throw new TokenError(
      `token endpoint answered ${response.status}`,
      response.status >= 500 || response.status === 429,
    );
  const body = (await response.json().catch(() => null)) as {
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
