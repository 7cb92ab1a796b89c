/** Default for a source's `maxEventTimeAheadSeconds`: a day of sender clock skew. */
export const DEFAULT_MAX_EVENT_TIME_AHEAD_SECONDS = 86_400;

/** The warning on an event whose own time was not plausible and was replaced by the receipt time. */
export const EVENT_TIME_REPLACED = "event_time_replaced:occurredAt";

/**
 * Checks a mapped event time (epoch ms) against the plausible window: not before 1970 and at most
 * `maxAheadSeconds` after receipt. Traits are last-writer-wins by event time, so one event dated
 * 9999-12-31 would pin its traits against every later real update; and times outside the Date range
 * (±8.64e15 ms, or 1e300 from a mapped number) could not even be shown. A time outside the window is
 * replaced by `receivedAt`, with {@link EVENT_TIME_REPLACED} as the warning; a missing time is left
 * to the caller (applied by arrival time with its own warning).
 */
export function plausibleEventTime(
  occurredAt: number | undefined,
  receivedAt: number,
  maxAheadSeconds = DEFAULT_MAX_EVENT_TIME_AHEAD_SECONDS,
): { occurredAt: number | undefined; warning?: string } {
  if (occurredAt === undefined) return { occurredAt };
  const plausible =
    Number.isFinite(occurredAt) && occurredAt >= 0 && occurredAt <= receivedAt + maxAheadSeconds * 1000;
  return plausible
    ? { occurredAt: Math.trunc(occurredAt) }
    : { occurredAt: receivedAt, warning: EVENT_TIME_REPLACED };
}
