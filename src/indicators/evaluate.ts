import { asNumber, conditionsHold, eventField, typeMatches } from "../events/conditions";
import type { CanonicalEvent } from "../events/event";
import { type IndicatorDefinition, NUMERIC_AGGREGATES } from "./definitions";

/** The event fields an indicator reads. */
export type IndicatorInput = Pick<CanonicalEvent, "type" | "sourceId" | "properties" | "traits">;

/**
 * What one event adds to one indicator: `num` for the numeric aggregates, `value` (JSON text) for
 * first, last and distinct count. Null when the event does not count (wrong type, a condition fails,
 * the field is missing, or a numeric aggregate's field is not a number).
 */
export interface Contribution {
  num: number | null;
  value: string | null;
}

/**
 * The contribution of `event` to `definition`, or null when it does not count. Pure: the live path,
 * the async-enrichment path and the recompute all call this, so they cannot disagree.
 */
export function contributionOf(definition: IndicatorDefinition, event: IndicatorInput): Contribution | null {
  if (definition.eventTypes && !definition.eventTypes.some((p) => typeMatches(p, event.type))) return null;
  if (!conditionsHold(definition.conditions, (f) => eventField(event, f))) return null;
  if (!definition.field) return { num: null, value: null };
  const raw = eventField(event, definition.field);
  if (raw === undefined || raw === null) return null;
  const num = asNumber(raw) ?? null;
  if (NUMERIC_AGGREGATES.has(definition.aggregate) && num === null) return null;
  return { num, value: JSON.stringify(raw) };
}
