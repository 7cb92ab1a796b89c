import { deliveryState } from "../deliveries/erasure";
import { enrichmentState } from "../enrichment/derived-state";
import type { DerivedState } from "../identity/derived-state";
import { indicatorState } from "../indicators/derived-state";

/**
 * Every module that keeps state about stored events, in the order their statements run: the one list
 * the IdentityResolver is given (src/index.ts) for its projection and its erasures. Keyed by module,
 * so a module is listed once; it lives here, above all of them, because the identity module below
 * may not import them.
 */
export const DERIVED_STATE = {
  indicators: indicatorState,
  enrichment: enrichmentState,
  deliveries: deliveryState,
} as const satisfies Record<string, DerivedState>;

/** {@link DERIVED_STATE} as a list. */
export const DERIVED_STATE_LIST: readonly DerivedState[] = Object.values(DERIVED_STATE);
