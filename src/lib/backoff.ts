/**
 * Delay before the next delivery attempt of a queue message: exponential with full jitter,
 * `random(0, min(cap, base · 2^(attempt−1)))`, at least 1 s. Seconds, as Queues' `delaySeconds` takes
 * (the platform caps it at 12 h). Full jitter spreads the retries of a failed batch so they do not
 * all come back in the same second.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function retryDelaySeconds(
  attempt: number,
  baseSeconds = 2,
  capSeconds = 15 * 60,
  random = Math.random,
): number {
  const ceiling = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(random() * ceiling));
}
