/**
 * A parsed `Retry-After` header. RFC 9110 §10.2.3: `Retry-After = HTTP-date / delay-seconds`, where
 * delay-seconds is `1*DIGIT`. A date in the past gives a negative delay; the caller clamps it.
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export type RetryAfter =
  | { kind: "seconds"; delayMs: number }
  | { kind: "date"; delayMs: number }
  | { kind: "missing" }
  | { kind: "invalid"; value: string };

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
// and asctime ("Sun Nov  6 08:49:37 1994"): the three forms RFC 9110 §5.6.7 says a recipient accepts.
const HTTP_DATE =
  /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * Parses `Retry-After` relative to `now` (epoch ms). Never throws: `soon`, `1.5`, `-3` and other junk
 * are `invalid`, so a caller falls back to its own back-off instead of crashing or hammering.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): RetryAfter {
  if (value === null || value === undefined || value.trim() === "") return { kind: "missing" };
  const text = value.trim();
  if (/^\d+$/.test(text)) return { kind: "seconds", delayMs: Number(text) * 1000 };
  if (HTTP_DATE.test(text)) {
    const at = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`);
    if (!Number.isNaN(at)) return { kind: "date", delayMs: at - now };
  }
  return { kind: "invalid", value: text.slice(0, 64) };
}

/** Bounds and defaults of {@link waitAfterRefusal}, milliseconds. */
export interface WaitPolicy {
  /** Shortest wait, even for a date in the past or `0` (no tight loop). Default 1 s. */
  minMs?: number;
  /** Longest wait; a larger Retry-After is capped and flagged. Default 1 h. */
  maxMs?: number;
  /** First step of the default back-off. Default 2 s. */
  baseMs?: number;
  /** Random source in [0, 1) for jitter (injected in tests). */
  random?: () => number;
}

/** How long to wait before calling a source again, and why. */
export interface WaitDecision {
  delayMs: number;
  basis: "retry-after" | "backoff";
  /** True when the source asked for longer than the policy's maximum. */
  capped: boolean;
  /** The header's parse, for logs and the poll job's last error. */
  retryAfter: RetryAfter;
}

/**
 * The wait after a 429 (or 503) from a source: its Retry-After in seconds or as an HTTP date, clamped
 * to [minMs, maxMs]; without a usable header, exponential back-off with "equal jitter"
 * (`half + random·half` of `min(max, base·2^(attempt−1))`), so retries spread out but never collapse to 0.
 * `attempt` counts refusals in a row, from 1.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function waitAfterRefusal(
  header: string | null | undefined,
  now: number,
  attempt: number,
  policy: WaitPolicy = {},
): WaitDecision {
  const minMs = policy.minMs ?? 1000;
  const maxMs = policy.maxMs ?? 3_600_000;
  const retryAfter = parseRetryAfter(header, now);
  if (retryAfter.kind === "seconds" || retryAfter.kind === "date") {
    const capped = retryAfter.delayMs > maxMs;
    return {
      delayMs: Math.min(maxMs, Math.max(minMs, retryAfter.delayMs)),
      basis: "retry-after",
      capped,
      retryAfter,
    };
  }
  const random = policy.random ?? Math.random;
  const ceiling = Math.min(maxMs, (policy.baseMs ?? 2000) * 2 ** Math.max(0, Math.min(attempt, 30) - 1));
  const delayMs = Math.max(minMs, Math.round(ceiling / 2 + random() * (ceiling / 2)));
  return { delayMs, basis: "backoff", capped: false, retryAfter };
}
