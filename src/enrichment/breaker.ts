/** Settings of a {@link CircuitBreaker}. */
export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** Time the breaker stays open before one probe is let through, ms. */
  cooldownMs: number;
}

/** What a breaker remembers; `openedAt` is epoch ms. Plain data, so it can be persisted as is. */
export interface BreakerState {
  state: "closed" | "open" | "half_open";
  failures: number;
  openedAt: number | null;
}

/** Whether a call may go: a normal call, the single half-open probe, or refused until `retryAfterMs` passes. */
export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAfterMs: number };

/**
 * A circuit breaker for one external system: closed (calls go) → open after `failureThreshold`
 * consecutive failures (calls refused at once, so a dead system costs no timeouts) → after `cooldownMs`
 * one probe call is let through (half-open): its success closes the breaker, its failure opens it again
 * for another cooldown.
 * @see https://martinfowler.com/bliki/CircuitBreaker.html
 */
export class CircuitBreaker {
  private current: BreakerState;

  constructor(initial?: BreakerState) {
    // A probe in flight when the state was saved never reported: treat it as still open.
    this.current = initial
      ? { ...initial, state: initial.state === "half_open" ? "open" : initial.state }
      : { state: "closed", failures: 0, openedAt: null };
  }

  /** The state now (a copy). */
  get snapshot(): BreakerState {
    return { ...this.current };
  }

  /** Asks to make a call at `now` (epoch ms). */
  admit(now: number, settings: BreakerSettings): Admission {
    if (this.current.state === "closed") return { allowed: true, probe: false };
    const reopensAt = (this.current.openedAt ?? now) + settings.cooldownMs;
    if (this.current.state === "open" && now >= reopensAt) {
      this.current = { ...this.current, state: "half_open" };
      return { allowed: true, probe: true };
    }
    return { allowed: false, retryAfterMs: Math.max(0, reopensAt - now) };
  }

  /** A probe admitted but never sent (e.g. no rate budget left): back to open, same cooldown. */
  release(): void {
    if (this.current.state === "half_open") this.current = { ...this.current, state: "open" };
  }

  /** Records a successful call: closes the breaker. */
  success(): void {
    this.current = { state: "closed", failures: 0, openedAt: null };
  }

  /** Records a failed call at `now`; returns true when this opened the breaker. */
  failure(now: number, settings: BreakerSettings): boolean {
    const failures = this.current.failures + 1;
    if (this.current.state === "half_open" || failures >= settings.failureThreshold) {
      const opened = this.current.state !== "open";
      this.current = { state: "open", failures, openedAt: now };
      return opened;
    }
    this.current = { ...this.current, failures };
    return false;
  }
}
