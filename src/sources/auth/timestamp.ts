import type { VerifyOutcome } from "./types";

/**
 * Checks a signed Unix timestamp (seconds): digits only, and |now − t| ≤ tolerance in both directions,
 * so neither stale captures nor future-dated ones pass. Returns null when fresh.
 */
export function checkTimestamp(
  value: string | null | undefined,
  nowMs: number,
  toleranceSeconds: number,
): Extract<VerifyOutcome, { ok: false }> | null {
  if (!value) return { ok: false, code: "timestamp_invalid", reason: "timestamp missing" };
  if (!/^\d{1,12}$/.test(value))
    return { ok: false, code: "timestamp_invalid", reason: "timestamp not digits" };
  const skew = Math.floor(nowMs / 1000) - Number(value);
  if (skew > toleranceSeconds) return { ok: false, code: "timestamp_invalid", reason: "timestamp too old" };
  if (-skew > toleranceSeconds) return { ok: false, code: "timestamp_invalid", reason: "timestamp too new" };
  return null;
}
