/**
 * A token bucket with reservations: the shared rate budget of one external system. Tokens refill at
 * `ratePerSecond` up to `burst`. A call takes a token now; when none is left it may reserve a future
 * one (the balance goes negative) and wait for it, as long as the wait stays within what the caller
 * accepts, so bursts are smoothed instead of refused.
 * @see https://en.wikipedia.org/wiki/Token_bucket
 */
export class TokenBucket {
  private tokens: number | null = null;
  private updatedAt = 0;

  /**
   * Reserves one call at `now` (epoch ms). Returns the wait before the call may go, ms (0 = at once),
   * or null when the wait would exceed `maxWaitMs` (nothing is reserved then).
   */
  reserve(now: number, ratePerSecond: number, burst: number, maxWaitMs: number): number | null {
    const elapsed = Math.max(0, now - this.updatedAt);
    const refilled =
      this.tokens === null ? burst : Math.min(burst, this.tokens + (elapsed * ratePerSecond) / 1000);
    const after = refilled - 1;
    const waitMs = after >= 0 ? 0 : Math.ceil((-after / ratePerSecond) * 1000);
    this.updatedAt = now;
    if (waitMs > maxWaitMs) {
      this.tokens = refilled;
      return null;
    }
    this.tokens = after;
    return waitMs;
  }
}
