import { DurableObject } from "cloudflare:workers";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import {
  guardedFetch,
  NotUtf8,
  type OutboundPolicy,
  OutboundRefused,
  outboundPolicy,
  readUtf8Capped,
} from "../lib/outbound/guard";
import { metrics } from "../observability/metrics/recorder";
import { runDueJobs } from "./async-jobs";
import { type BreakerState, CircuitBreaker } from "./breaker";
import { TokenBucket } from "./budget";
import type { Limits } from "./config";
import { MAX_ANSWER_BYTES } from "./protocol";
import { ensureRecentCalls, type RecentCall, readRecentCalls, recordCall } from "./recent-calls";

/** One HTTP call to an extension endpoint, signed by the caller. */
export interface CallSpec {
  /** The extension calling: its calls are listed to operators (GET /v1/admin/extensions/{id}/calls). */
  extensionId: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Per call, ms; also the longest wait accepted for the rate budget. */
  timeoutMs: number;
  limits: Limits;
}

/**
 * Why a call did not produce a usable 2xx answer. `not_utf8`: the answer's bytes are not UTF-8, which
 * the same system will answer again: never retried (see {@link isPermanentFailure}).
 */
export type CallFailure =
  | "timeout"
  | "network"
  | "http_status"
  | "circuit_open"
  | "rate_limited"
  | "too_large"
  | "not_utf8"
  | "refused";

/** Failures that retrying the same call cannot fix: the message or async job ends instead of waiting. */
export function isPermanentFailure(failure: CallFailure): boolean {
  return failure === "not_utf8";
}

/** What a call gave: the 2xx answer, or a failure with a log-safe detail and, when known, when to try again. */
export type CallOutcome =
  | { ok: true; status: number; body: string }
  | { ok: false; failure: CallFailure; detail: string; retryAfterMs?: number; status?: number };

/**
 * ExternalSystem: one Durable Object per (workspace, external system), through which every call to that
 * system goes, sync or async. Being the single place those calls pass makes the rate budget and the
 * circuit breaker exact without any coordination: a token bucket smooths bursts, and after repeated
 * failures the breaker refuses calls at once (no timeouts spent on a dead system) until a half-open
 * probe succeeds. It also runs the system's async enrichments from an alarm. Breaker state is saved
 * on every transition so an evicted object comes back with it.
 * @see https://developers.cloudflare.com/durable-objects/api/alarms/
 */
export class ExternalSystem extends DurableObject<Env> {
  private breaker = new CircuitBreaker();
  private readonly bucket = new TokenBucket();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      ensureRecentCalls(ctx.storage.sql);
      this.breaker = new CircuitBreaker(await ctx.storage.get<BreakerState>("breaker"));
    });
  }

  /**
   * Makes one call within the system's budget and breaker, and records it among the system's recent
   * calls (refusals by the breaker or the budget too). Never throws for a failed call.
   */
  async call(spec: CallSpec): Promise<CallOutcome> {
    const now = Date.now();
    const outcome = await this.attempt(spec, now);
    recordCall(this.ctx.storage.sql, spec.extensionId, now, Date.now() - now, outcome);
    return outcome;
  }

  private async attempt(spec: CallSpec, now: number): Promise<CallOutcome> {
    const admission = this.breaker.admit(now, spec.limits);
    if (!admission.allowed)
      return {
        ok: false,
        failure: "circuit_open",
        detail: "circuit open",
        retryAfterMs: admission.retryAfterMs,
      };
    const wait = this.bucket.reserve(now, spec.limits.ratePerSecond, spec.limits.burst, spec.timeoutMs);
    if (wait === null) {
      if (admission.probe) this.breaker.release();
      return {
        ok: false,
        failure: "rate_limited",
        detail: "rate budget exhausted",
        retryAfterMs: Math.ceil(1000 / spec.limits.ratePerSecond),
      };
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { outcome, systemFailure } = await send(spec, outboundPolicy(this.env));
    const before = this.breaker.snapshot.state;
    if (systemFailure) {
      if (this.breaker.failure(Date.now(), spec.limits))
        log.warn("circuit_opened", { url: new URL(spec.url).host });
    } else {
      this.breaker.success();
      if (before !== "closed") log.info("circuit_closed", { url: new URL(spec.url).host });
    }
    if (before !== this.breaker.snapshot.state) await this.ctx.storage.put("breaker", this.breaker.snapshot);
    return outcome;
  }

  /** The breaker's state, for operators. */
  async circuit(): Promise<BreakerState> {
    return this.breaker.snapshot;
  }

  /** `extensionId`'s recent calls through this system, newest first (see {@link readRecentCalls}). */
  async recentCalls(
    extensionId: string,
    limit: number,
    beforeSeq?: number,
  ): Promise<{ data: RecentCall[]; next: number | null }> {
    return readRecentCalls(this.ctx.storage.sql, extensionId, limit, beforeSeq);
  }

  /** Schedules the async enrichment run of `workspace`'s jobs for `system` (no later than `at`, epoch ms). */
  async wake(workspace: string, system: string, at = Date.now()): Promise<void> {
    await this.ctx.storage.put({ workspace, system });
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const workspace = await this.ctx.storage.get<string>("workspace");
    const system = await this.ctx.storage.get<string>("system");
    if (!workspace || !system) return;
    let next: number | null;
    try {
      next = await runDueJobs(this.env, workspace, system, (spec) => this.call(spec));
    } catch (error) {
      log.warn("extension_jobs_run_failed", { system, error: String(error).slice(0, 300) });
      next = Date.now() + 5_000;
    }
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
    await metrics.flush(this.env);
  }
}

/** The ExternalSystem stub for `system` (an extension's `system`, by default its endpoint's host) in `workspace`. */
export function externalSystem(
  env: Env,
  workspace: string,
  system: string,
): DurableObjectStub<ExternalSystem> {
  return env.EXTERNAL_SYSTEM.get(env.EXTERNAL_SYSTEM.idFromName(`${workspace}\u0000${system}`));
}

class Timeout extends Error {}

/**
 * Sends the call with a hard timeout that covers reading the answer too. Redirects are not followed:
 * the signature covers this URL only. `systemFailure` is what counts against the breaker: the system
 * is down or overloaded (timeout, network error, 5xx, 429), not merely answering "no".
 */
async function send(
  spec: CallSpec,
  policy: OutboundPolicy,
): Promise<{ outcome: CallOutcome; systemFailure: boolean }> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Timeout());
    }, spec.timeoutMs);
  });
  try {
    return await Promise.race([deadline, exchange(spec, controller.signal, policy)]);
  } catch (error) {
    // A non-public endpoint is a configuration error, not the system being down: no breaker count.
    if (error instanceof OutboundRefused)
      return { outcome: { ok: false, failure: "refused", detail: error.message }, systemFailure: false };
    if (error instanceof Timeout)
      return {
        outcome: { ok: false, failure: "timeout", detail: `no answer within ${spec.timeoutMs} ms` },
        systemFailure: true,
      };
    return {
      outcome: { ok: false, failure: "network", detail: `request failed: ${String(error).slice(0, 200)}` },
      systemFailure: true,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function exchange(
  spec: CallSpec,
  signal: AbortSignal,
  policy: OutboundPolicy,
): Promise<{ outcome: CallOutcome; systemFailure: boolean }> {
  const response = await guardedFetch(
    spec.url,
    { method: "POST", headers: spec.headers, body: spec.body, signal },
    { ...policy, maxRedirects: 0 },
  );
  let body: string | null;
  try {
    // Strict: a lenient decode would store U+FFFD in place of what the system meant.
    body = await readUtf8Capped(response, MAX_ANSWER_BYTES);
  } catch (error) {
    if (!(error instanceof NotUtf8)) throw error;
    return {
      outcome: { ok: false, failure: "not_utf8", detail: error.message },
      systemFailure: false,
    };
  }
  if (body === null)
    return {
      outcome: { ok: false, failure: "too_large", detail: `answer over ${MAX_ANSWER_BYTES} bytes` },
      systemFailure: false,
    };
  if (response.status >= 200 && response.status < 300)
    return { outcome: { ok: true, status: response.status, body }, systemFailure: false };
  const retryAfterMs = retryAfter(response.headers.get("retry-after"));
  return {
    outcome: {
      ok: false,
      failure: "http_status",
      detail: `answered HTTP ${response.status}`,
      status: response.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    systemFailure: response.status >= 500 || response.status === 429,
  };
}

/** Retry-After as ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
