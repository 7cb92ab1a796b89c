/** What the evaluator remembers for one (workspace, rule, subject). Times are epoch ms. */
export interface AlertState {
  status: "ok" | "firing";
  since: number;
  /** The current firing episode was announced (a firing within the cooldown is held back). */
  notified: boolean;
  /** When a firing was last announced; null if never. */
  lastFiredAt: number | null;
  version: number;
}

/** The state of a subject never seen firing. */
export const INITIAL_STATE: AlertState = {
  status: "ok",
  since: 0,
  notified: false,
  lastFiredAt: null,
  version: 0,
};

/** The outcome of one evaluation: the new state (null: unchanged) and what to announce. */
export interface Transition {
  next: AlertState | null;
  announce: "firing" | "resolved" | null;
}

/**
 * Decides what one evaluation means for one subject: an alert is announced on the transition to
 * firing and again on resolve, never once per evaluation. After a firing is announced, another one
 * waits `cooldownMs`; a firing held back is announced if it is still firing when the cooldown ends,
 * and its resolve is announced only if its firing was (a receiver never gets a lone resolve).
 */
export function transition(
  previous: AlertState,
  firing: boolean,
  now: number,
  cooldownMs: number,
): Transition {
  const cooled = previous.lastFiredAt === null || now - previous.lastFiredAt >= cooldownMs;
  const version = previous.version + 1;
  if (firing && previous.status === "ok") {
    return cooled
      ? {
          next: { status: "firing", since: now, notified: true, lastFiredAt: now, version },
          announce: "firing",
        }
      : { next: { ...previous, status: "firing", since: now, notified: false, version }, announce: null };
  }
  if (firing && !previous.notified && cooled)
    return { next: { ...previous, notified: true, lastFiredAt: now, version }, announce: "firing" };
  if (!firing && previous.status === "firing")
    return {
      next: { ...previous, status: "ok", since: now, notified: false, version },
      announce: previous.notified ? "resolved" : null,
    };
  return { next: null, announce: null };
}
