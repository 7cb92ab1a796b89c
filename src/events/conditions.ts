import { z } from "@hono/zod-openapi";
import { ownProperty } from "../lib/json-path";
import type { CanonicalEvent } from "./event";

/**
 * A field a condition reads: `type`, `sourceId`, `properties.<path>`, `traits.<path>` (dot paths into
 * the event) or, for extensions only, `indicators.<name>` (the profile's activity indicator before this
 * event is applied).
 */
export const FieldPathSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^(type|sourceId|(properties|traits)(\.[^.\s]+)+|indicators\.[a-z][a-z0-9_]{0,63})$/,
    "type, sourceId, properties.<path>, traits.<path> or indicators.<name>",
  );

/** Comparison operators of a {@link Condition}. */
export const CONDITION_OPS = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "exists",
  "not_exists",
  "contains",
] as const;

/**
 * One test on one field. `gt/gte/lt/lte` compare two numbers (numeric strings count as numbers) or two
 * strings (e.g. ISO-8601 dates); `in` needs `value` to be a list; `contains` is substring for strings
 * and membership for lists. A missing field fails every operator but `neq` and `not_exists`.
 */
export const ConditionSchema = z
  .object({
    field: FieldPathSchema,
    op: z.enum(CONDITION_OPS),
    value: z.unknown().optional(),
  })
  .refine((c) => c.op !== "in" || Array.isArray(c.value), { message: "`in` needs a list value" })
  .refine((c) => c.op === "exists" || c.op === "not_exists" || c.value !== undefined, {
    message: "this operator needs a value",
  })
  .openapi("Condition");

/** One test on one field of an event. */
export type Condition = z.infer<typeof ConditionSchema>;

/** All conditions must hold (AND); an empty list always holds. At most 20. */
export const ConditionsSchema = z.array(ConditionSchema).max(20).default([]);

/** Reads a field for {@link conditionsHold}; undefined when absent. */
export type FieldReader = (field: string) => unknown;

/** True when every condition holds for the fields `read` returns. */
export function conditionsHold(conditions: readonly Condition[], read: FieldReader): boolean {
  return conditions.every((c) => holds(c, read(c.field)));
}

/**
 * Reads an event field by path (`type`, `sourceId`, `properties.a.b`, `traits.a`). Indicator fields are
 * not on the event and read as undefined here.
 */
export function eventField(
  event: Pick<CanonicalEvent, "type" | "sourceId" | "properties" | "traits">,
  field: string,
): unknown {
  if (field === "type") return event.type;
  if (field === "sourceId") return event.sourceId;
  const [root, ...path] = field.split(".");
  let current: unknown =
    root === "properties" ? event.properties : root === "traits" ? event.traits : undefined;
  for (const step of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = ownProperty(current, step);
  }
  return current;
}

/** The number a value stands for: finite numbers, and strings that are plain decimal numbers. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** True when `pattern` (an exact event type, or a prefix ending in `*`) matches `type`. */
export function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

function holds(condition: Condition, actual: unknown): boolean {
  const present = actual !== undefined && actual !== null;
  switch (condition.op) {
    case "exists":
      return present;
    case "not_exists":
      return !present;
    case "eq":
      return present && equal(actual, condition.value);
    case "neq":
      return !present || !equal(actual, condition.value);
    case "in":
      return present && (condition.value as unknown[]).some((v) => equal(actual, v));
    case "contains":
      if (typeof actual === "string" && typeof condition.value === "string")
        return actual.includes(condition.value);
      return Array.isArray(actual) && actual.some((v) => equal(v, condition.value));
    default:
      return present && ordered(condition.op, actual, condition.value);
  }
}

function equal(a: unknown, b: unknown): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined && (typeof a === "number" || typeof b === "number"))
    return na === nb;
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function ordered(op: "gt" | "gte" | "lt" | "lte", a: unknown, b: unknown): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  let cmp: number;
  if (na !== undefined && nb !== undefined) cmp = na - nb;
  else if (typeof a === "string" && typeof b === "string") cmp = a < b ? -1 : a > b ? 1 : 0;
  else return false;
  if (op === "gt") return cmp > 0;
  if (op === "gte") return cmp >= 0;
  if (op === "lt") return cmp < 0;
  return cmp <= 0;
}
