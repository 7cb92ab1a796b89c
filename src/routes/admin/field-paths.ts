import type { Condition } from "../../events/conditions";
import { ApiError } from "../../lib/errors";
import { forbiddenFieldIn } from "../../lib/json-path";

/**
 * Refuses event field paths (condition fields, an indicator's field) with a `__proto__`,
 * `constructor` or `prototype` segment: they would name object machinery, not data.
 * @throws ApiError `validation_failed` (400) naming the field
 */
export function assertOwnFieldPaths(
  conditions: readonly Condition[] | undefined,
  ...fields: (string | null | undefined)[]
): void {
  const forbidden = forbiddenFieldIn([...(conditions ?? []).map((c) => c.field), ...fields]);
  if (forbidden)
    throw new ApiError(
      "validation_failed",
      `field paths read the event's own data: __proto__, constructor and prototype are refused (${forbidden})`,
    );
}
