import type { DeliveryEnvelope } from "../deliveries/envelope";
import { sha256Hex } from "../lib/encoding";
import type { Env } from "../lib/env";
import { PermanentError } from "../lib/failure";
import { parseJsonExact } from "../lib/json";
import { readPath, scalarString } from "../lib/json-path";
import { NotUtf8, readUtf8Capped } from "../lib/outbound/guard";
import { ownPromise } from "../lib/own-promise";
import { callSourceApi, isRetryableStatus, RateLimited, SourceApiError } from "../pull/source-client";
import type { FetchStep } from "../sources/poll-config";
import type { Source } from "../sources/store";
import { NotifyFetchCache } from "./notify-cache";

/**
 * Not now, but soon: the message should be retried after `delaySeconds` (the source's rate budget or
 * Retry-After, or another consumer fetching the same object) rather than after the default back-off.
 */
export class RetryLater extends Error {
  constructor(
    readonly delaySeconds: number,
    message: string,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}

/** Queues cap a message's retry delay at 12 hours. */
const MAX_DELAY_SECONDS = 43_200;
/** Largest fetched object, bytes: it is stored for coalescing and merged into the payload. */
const MAX_OBJECT_BYTES = 1024 * 1024;
/** Fetches remembered per isolate for in-flight sharing. */
const MEMO_SIZE = 256;

// In-isolate single flight: concurrent notifications of one batch share one fetch. `startedAt` lets a
// notification reuse only a fetch that began after it was received.
const inFlight = new Map<string, { startedAt: number; object: Promise<unknown> }>();

/**
 * Fetch-on-notify for thin webhooks: when the source declares a `fetch` step, fetches the object the
 * notification points at (URL template over the notification's fields) through the source's API
 * client (its credentials and the rate budget it shares with the poller) and puts it at `into` in the
 * payload, so the mapping sees the full object. Runs in the pipeline, never while the sender waits.
 *
 * Notifications for the same object close together cause one fetch: within an isolate they share the
 * in-flight request, across consumers a D1 claim elects one fetcher and the others reuse its result,
 * but only a fetch made after their own notification arrived (an older one may predate the change).
 * @throws RetryLater (rate limited, or another consumer is fetching), PermanentError (the object is
 *   gone, the template cannot be filled, the answer is not JSON), Error (retryable: 5xx, network)
 */
export async function fetchOnNotify(
  env: Pick<Env, "DB" | "SECRETS_KEY" | "ALLOW_PRIVATE_OUTBOUND_TARGETS">,
  source: Pick<Source, "id" | "config">,
  envelope: Pick<DeliveryEnvelope, "receivedAt">,
  payload: unknown,
  now = Date.now(),
): Promise<unknown> {
  const step = source.config.fetch;
  if (!step) return payload;
  const url = expandUrl(step.url, payload);
  const urlHash = await sha256Hex(url);
  const key = `${source.id}\n${urlHash}`;
  const shared = inFlight.get(key);
  // Shared with batches running beside this one in the isolate: awaited as this batch's own promise.
  if (shared && shared.startedAt >= envelope.receivedAt)
    return place(payload, step, await ownPromise(shared.object));

  const object = fetchOnce(env, source, url, urlHash, envelope.receivedAt, now);
  inFlight.set(key, { startedAt: now, object });
  object.catch(() => inFlight.delete(key));
  if (inFlight.size > MEMO_SIZE) inFlight.delete(inFlight.keys().next().value!);
  return place(payload, step, await object);
}

async function fetchOnce(
  env: Pick<Env, "DB" | "SECRETS_KEY" | "ALLOW_PRIVATE_OUTBOUND_TARGETS">,
  source: Pick<Source, "id" | "config">,
  url: string,
  urlHash: string,
  receivedAt: number,
  now: number,
): Promise<unknown> {
  const cache = new NotifyFetchCache(env.DB);
  const cached = await cache.reusable(source.id, urlHash, receivedAt);
  if (cached !== null) return parseJsonExact(cached);
  const claim = await cache.claim(source.id, urlHash, now);
  if (!claim) throw new RetryLater(2, "another consumer is fetching this object");
  try {
    const response = await callSourceApi(env, source, url, {}, now);
    if (!response.ok) {
      await response.body?.cancel();
      if (response.status === 404 || response.status === 410)
        throw new PermanentError(`fetch-on-notify: the source has no such object (HTTP ${response.status})`);
      // 401/403 are retryable: an operator can fix the credentials and the retry (or a replay) succeeds.
      if (isRetryableStatus(response.status) || response.status === 401 || response.status === 403)
        throw new Error(`fetch-on-notify: source API answered ${response.status}`);
      throw new PermanentError(`fetch-on-notify: source API answered ${response.status}`);
    }
    // Counted while reading, not taken from Content-Length (absent when the answer is chunked).
    let text: string | null;
    try {
      text = await readUtf8Capped(response, MAX_OBJECT_BYTES);
    } catch (error) {
      if (error instanceof NotUtf8)
        throw new PermanentError(`fetch-on-notify: ${error.message}`, "payload_invalid");
      throw error;
    }
    if (text === null)
      throw new PermanentError(
        `fetch-on-notify: the fetched object is larger than ${MAX_OBJECT_BYTES} bytes`,
      );
    let object: unknown;
    try {
      object = parseJsonExact(text);
    } catch {
      throw new PermanentError(
        "fetch-on-notify: the source API answered with something that is not JSON",
        "payload_invalid",
      );
    }
    await cache.store(source.id, urlHash, claim, text, now);
    return object;
  } catch (error) {
    await cache.release(source.id, urlHash, claim).catch(() => undefined);
    if (error instanceof RateLimited)
      throw new RetryLater(
        Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((error.retryAt - now) / 1000))),
        error.message,
      );
    if (error instanceof SourceApiError && !error.retryable)
      throw new PermanentError(`fetch-on-notify: ${error.message}`);
    throw error;
  }
}

/**
 * Fills the URL template's `{$.path}` placeholders from the notification, each value encoded as
 * exactly one path segment: `encodeURIComponent` turns `/`, `?`, `#` and `%` into escapes, so a value
 * cannot add segments, a query or another host (the origin stays the template's literal). `.` and
 * `..` are refused: the URL parser would resolve them as dot-segments and climb out of the template's
 * path (`/customers/{$.id}/profile` with `..` would fetch `/profile` with the source's credentials).
 * @throws PermanentError when a placeholder has no scalar value or the value is a dot-segment
 * @see https://url.spec.whatwg.org/#single-dot-path-segment
 */
export function expandUrl(template: string, payload: unknown): string {
  return template.replace(/\{([^{}]+)\}/g, (_, path: string) => {
    const value = scalarString(readPath(payload, path));
    if (value === undefined || value === "")
      throw new PermanentError(`fetch-on-notify: the notification has no value at ${path}`);
    if (value === "." || value === "..")
      throw new PermanentError(
        `fetch-on-notify: the value at ${path} is a dot-segment ("${value}"), which would change the URL's path`,
        "payload_invalid",
      );
    return encodeURIComponent(value);
  });
}

/** Puts the fetched object at `step.into` (`$` replaces the payload). */
function place(payload: unknown, step: FetchStep, object: unknown): unknown {
  if (step.into === "$") return object;
  if (payload === null || typeof payload !== "object" || Array.isArray(payload))
    throw new PermanentError("fetch-on-notify: the notification is not a JSON object");
  const steps = step.into.replace(/^\$\.?/, "").split(".");
  const root: Record<string, unknown> = structuredClone(payload) as Record<string, unknown>;
  let target = root;
  for (const name of steps.slice(0, -1)) {
    const child = target[name];
    target[name] = child !== null && typeof child === "object" && !Array.isArray(child) ? child : {};
    target = target[name] as Record<string, unknown>;
  }
  target[steps[steps.length - 1]!] = object;
  return root;
}
