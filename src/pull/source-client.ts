import { toBase64, utf8 } from "../lib/encoding";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { guardedFetch, OutboundRefused, outboundPolicy } from "../lib/outbound/guard";
import { waitAfterRefusal } from "../lib/retry-after";
import { CredentialStore, type Credentials } from "../sources/api-credentials";
import { type SourceApi, SourceApiSchema } from "../sources/poll-config";
import type { Source } from "../sources/store";
import { requestToken, TokenError } from "./oauth2";
import { RateBudget } from "./rate-budget";

/** The source's budget or its 429 says: not before `retryAt` (epoch ms). Not an error of the source. */
export class RateLimited extends Error {
  constructor(
    readonly retryAt: number,
    readonly reason: string,
  ) {
    super(`rate limited until ${new Date(retryAt).toISOString()}: ${reason}`);
  }
}

/** The call failed before a usable answer: network, timeout, token endpoint. `retryable` says if waiting helps. */
export class SourceApiError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** True for answers that may succeed later: 408, 425, 5xx. (429 never reaches callers: it is RateLimited.) */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status >= 500;
}

/** Redirects a source's API may send the poller through. */
const MAX_REDIRECTS = 3;

/**
 * Calls a source's API on behalf of the poller or fetch-on-notify, the one way out to a source:
 * 1. takes one request from the source's shared rate budget (refusal → {@link RateLimited});
 * 2. adds the source's credentials (OAuth2 tokens fetched and cached sealed; a 401 drops the cached
 *    token and retries once);
 * 3. on 429, or 503 with Retry-After, pushes the budget's next allowed time by Retry-After (seconds or
 *    HTTP date) or by exponential back-off, and throws {@link RateLimited}. Nothing sleeps.
 * Every hop goes through the outbound guard (src/lib/outbound/guard.ts): non-public targets are refused
 * (a non-retryable {@link SourceApiError}), redirects are followed by hand, and credentials and the
 * caller's headers go along only to the same origin.
 * Other statuses are returned for the caller to judge ({@link isRetryableStatus}).
 * @throws RateLimited, SourceApiError
 */
export async function callSourceApi(
  env: Pick<Env, "DB" | "SECRETS_KEY" | "ALLOW_PRIVATE_OUTBOUND_TARGETS">,
  source: Pick<Source, "id" | "config">,
  url: string,
  init: { headers?: Record<string, string>; accept?: string } = {},
  now = Date.now(),
): Promise<Response> {
  const api: SourceApi = SourceApiSchema.parse(source.config.api ?? {});
  const budget = new RateBudget(env.DB);
  const decision = await budget.take(source.id, api.rateLimit, now);
  if (!decision.ok) throw new RateLimited(decision.retryAt, `rate budget (${decision.reason})`);

  const store = new CredentialStore(env.DB, env.SECRETS_KEY);
  const stored = await store.get(source.id, now);
  // Caller-given headers (a poll's static headers) are the source's secrets too: same origin only.
  const outbound = { ...init, credentialHeaders: Object.keys(init.headers ?? {}) };
  let response = await send(
    env,
    url,
    outbound,
    await authHeaders(env, store, source.id, stored, api, now, false),
    api,
  );
  if (response.status === 401 && stored?.credentials.type === "oauth2-client-credentials") {
    // The cached token may have been revoked early: get a fresh one, once.
    await response.body?.cancel();
    response = await send(
      env,
      url,
      outbound,
      await authHeaders(env, store, source.id, stored, api, now, true),
      api,
    );
  }

  const retryAfterHeader = response.headers.get("retry-after");
  if (response.status === 429 || (response.status === 503 && retryAfterHeader !== null)) {
    await response.body?.cancel();
    const state = await budget.get(source.id);
    const wait = waitAfterRefusal(retryAfterHeader, now, (state?.backoffAttempts ?? 0) + 1, {
      maxMs: api.maxRetryAfterSeconds * 1000,
    });
    const reason = `HTTP ${response.status}, ${
      wait.basis === "retry-after"
        ? `Retry-After ${retryAfterHeader}`
        : `back-off (Retry-After ${wait.retryAfter.kind})`
    }${wait.capped ? `, capped at ${api.maxRetryAfterSeconds} s` : ""}`;
    if (wait.capped || wait.retryAfter.kind === "invalid")
      log.warn("source_retry_after_unusual", { sourceId: source.id, reason });
    await budget.pushBack(source.id, now + wait.delayMs, reason, now, wait.basis === "backoff");
    throw new RateLimited(now + wait.delayMs, reason);
  }
  if (response.ok) await budget.succeeded(source.id);
  return response;
}

async function send(
  env: { ALLOW_PRIVATE_OUTBOUND_TARGETS?: string },
  url: string,
  init: { headers?: Record<string, string>; accept?: string; credentialHeaders?: readonly string[] },
  auth: Record<string, string>,
  api: SourceApi,
): Promise<Response> {
  try {
    return await guardedFetch(
      url,
      {
        headers: { accept: init.accept ?? "application/json", ...init.headers, ...auth },
        signal: AbortSignal.timeout(api.timeoutSeconds * 1000),
      },
      {
        ...outboundPolicy(env),
        maxRedirects: MAX_REDIRECTS,
        credentialHeaders: [...(init.credentialHeaders ?? []), ...Object.keys(auth)],
      },
    );
  } catch (error) {
    if (error instanceof OutboundRefused) throw new SourceApiError(error.message, false);
    throw new SourceApiError(`request failed: ${String(error).slice(0, 160)}`, true);
  }
}

async function authHeaders(
  env: { ALLOW_PRIVATE_OUTBOUND_TARGETS?: string },
  store: CredentialStore,
  sourceId: string,
  stored: { credentials: Credentials; token: { accessToken: string; expiresAt: number } | null } | null,
  api: SourceApi,
  now: number,
  refresh: boolean,
): Promise<Record<string, string>> {
  if (!stored) return {};
  const c = stored.credentials;
  switch (c.type) {
    case "bearer":
      return { authorization: `Bearer ${c.token}` };
    case "basic":
      // RFC 7617: user-id ":" password, UTF-8, base64.
      return { authorization: `Basic ${toBase64(utf8(`${c.username}:${c.password}`))}` };
    case "api-key":
      return { [c.header]: c.value };
    case "oauth2-client-credentials": {
      if (stored.token && !refresh) return { authorization: `Bearer ${stored.token.accessToken}` };
      try {
        const token = await requestToken(c, now, api.timeoutSeconds * 1000, outboundPolicy(env));
        await store.cacheToken(sourceId, token);
        stored.token = token;
        return { authorization: `Bearer ${token.accessToken}` };
      } catch (error) {
        if (error instanceof TokenError) throw new SourceApiError(error.message, error.retryable);
        throw error;
      }
    }
  }
}
