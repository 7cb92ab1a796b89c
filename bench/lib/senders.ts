import type { AuthScheme } from "../../src/sources/auth/types";
import { SENDERS, type SenderOverrides } from "../../src/sources/senders";

/** No authentication: every delivery is accepted. The secret is ignored and not stored. */
const acceptAll: AuthScheme = {
  prepareSecret() {
    return "";
  },
  async verify() {
    return { ok: true };
  },
};

/**
 * What the bench entry module changes in the sender registry: the `unauthenticated` baseline, which
 * the production Worker refuses, accepts every delivery here so the bench can measure the ingest
 * route without verification.
 */
export const BENCH_SENDERS: SenderOverrides = {
  unauthenticated: { ...SENDERS.unauthenticated, auth: acceptAll, disabled: false },
};
