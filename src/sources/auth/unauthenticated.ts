import type { AuthScheme } from "./types";

/**
 * No authentication, for the benchmark's baseline only. A source of this type accepts a delivery only
 * when the deployment sets the `ALLOW_UNAUTHENTICATED_SOURCES` binding to "true" (the route passes that
 * as `allowUnauthenticated`); otherwise every delivery is refused, so a source created by mistake or a
 * stray row cannot open an unauthenticated door in production. The secret is ignored and not stored.
 */
export const unauthenticated: AuthScheme = {
  prepareSecret() {
    return "";
  },

  async verify(request) {
    if (request.allowUnauthenticated) return { ok: true };
    return {
      ok: false,
      code: "unauthorized",
      reason: "unauthenticated sources are disabled in this deployment",
    };
  },
};
