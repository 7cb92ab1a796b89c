import { readCapped } from "../bytes";
import { configOf } from "../config";
import { isNonPublicHost } from "./address";

/**
 * The one way out of the gateway to a third party (source APIs, CSV URLs, OAuth token endpoints,
 * extensions). It refuses non-public targets, follows redirects itself (re-checking each hop) and
 * never carries credentials to another origin.
 */

/** What a caller may reach. `allowNonPublic` is only ever true in local development. */
export interface OutboundPolicy {
  /** Loopback and private targets allowed (ALLOW_PRIVATE_OUTBOUND_TARGETS="true"; the local simulator). */
  allowNonPublic: boolean;
  /** Redirects followed for GET/HEAD (default 5); 0 returns the 3xx answer to the caller. */
  maxRedirects?: number;
  /** Header names (any case) that are credentials besides the usual ones, e.g. a source's sealed poll headers. */
  credentialHeaders?: readonly string[];
}

/** The target is not allowed (non-public address, non-http scheme, too many redirects). Never retryable. */
export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutboundRefused";
  }
}

/** Redirects followed at most, a bound against loops. */
export const MAX_REDIRECTS = 5;

/** The policy of a deployment: non-public targets only when ALLOW_PRIVATE_OUTBOUND_TARGETS is "true". */
export function outboundPolicy(env: { ALLOW_PRIVATE_OUTBOUND_TARGETS?: string }): OutboundPolicy {
  return { allowNonPublic: configOf(env).allowPrivateOutboundTargets };
}

/**
 * Why `url` may not be called under `policy`, or null when it may: http(s) only, and a public host
 * unless the policy allows non-public ones. Used both when a URL is configured and before each hop.
 */
export function refusalOf(url: string | URL, policy: Pick<OutboundPolicy, "allowNonPublic">): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return `scheme ${parsed.protocol} is not http(s)`;
  if (!policy.allowNonPublic && isNonPublicHost(parsed.hostname))
    return `${parsed.hostname} is not a public address (loopback, private, link-local or reserved)`;
  return null;
}

/** @throws OutboundRefused when {@link refusalOf} finds a reason. */
export function assertOutboundTarget(
  url: string | URL,
  policy: Pick<OutboundPolicy, "allowNonPublic">,
): void {
  const reason = refusalOf(url, policy);
  if (reason) throw new OutboundRefused(`outbound target refused: ${reason}`);
}

const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie)$|api[-_]?key|token|secret|signature|auth/i;

/**
 * `fetch` with the guard: checks `url`, then follows up to `maxRedirects` redirects by hand for GET
 * and HEAD, checking every hop; when a hop changes origin the credential headers (authorization,
 * cookie, any api-key/token/secret-like name and `credentialHeaders`) are dropped. Other methods
 * never follow a redirect: the 3xx answer is returned (a POST body, e.g. an OAuth client secret, is
 * never re-sent). Network errors propagate as the fetch threw them.
 * @throws OutboundRefused
 */
export async function guardedFetch(
  url: string,
  init: Omit<RequestInit, "redirect" | "headers"> & { headers?: Record<string, string> },
  policy: OutboundPolicy,
): Promise<Response> {
  assertOutboundTarget(url, policy);
  const method = (init.method ?? "GET").toUpperCase();
  const maxRedirects = method === "GET" || method === "HEAD" ? (policy.maxRedirects ?? MAX_REDIRECTS) : 0;
  const extra = new Set((policy.credentialHeaders ?? []).map((h) => h.toLowerCase()));
  const origin = new URL(url).origin;
  let target = url;
  let headers = init.headers ?? {};
  for (let hop = 0; ; hop++) {
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || !location || maxRedirects === 0) return response;
    await response.body?.cancel().catch(() => undefined);
    if (hop >= maxRedirects)
      throw new OutboundRefused(`outbound target refused: more than ${maxRedirects} redirects`);
    const next = new URL(location, target);
    assertOutboundTarget(next, policy);
    if (next.origin !== origin)
      headers = Object.fromEntries(
        Object.entries(headers).filter(
          ([name]) => !CREDENTIAL_HEADER.test(name) && !extra.has(name.toLowerCase()),
        ),
      );
    target = next.toString();
  }
}

/**
 * The response body as bytes, counting what is actually read (a missing or lying Content-Length does
 * not matter); null as soon as more than `maxBytes` arrived, the rest is then not read.
 */
export async function readBodyCapped(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  if (!response.body) return new Uint8Array();
  return readCapped(response.body, maxBytes);
}

/** {@link readBodyCapped} decoded as UTF-8 text (a byte order mark removed); null when over the cap. */
export async function readTextCapped(response: Response, maxBytes: number): Promise<string | null> {
  const bytes = await readBodyCapped(response, maxBytes);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/** The answer's bytes are not valid UTF-8 (thrown by {@link readUtf8Capped}). */
export class NotUtf8 extends Error {}

/**
 * {@link readBodyCapped} decoded strictly as UTF-8 (a byte order mark removed): bytes that are not
 * UTF-8 are an error, never U+FFFD, so nothing is stored that differs from what the server sent
 * (uploads and the webhook edge decode the same way). Null when over the cap.
 * @throws NotUtf8
 * @see https://encoding.spec.whatwg.org/#utf-8-decode
 */
export async function readUtf8Capped(response: Response, maxBytes: number): Promise<string | null> {
  const bytes = await readBodyCapped(response, maxBytes);
  if (bytes === null) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new NotUtf8("the answer is not valid UTF-8 (its charset must be UTF-8)");
  }
}
