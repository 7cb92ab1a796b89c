import type { AuthScheme } from "./types";

/**
 * The scheme of a source type this build does not serve: it stores no secret and refuses every
 * delivery. The benchmark's `unauthenticated` baseline uses it in the production Worker, so a stray
 * row of that type opens no door whatever the deployment's settings; only the bench entry module
 * (bench/worker.ts, never deployed) swaps in a scheme that accepts.
 */
export const disabled: AuthScheme = {
  prepareSecret() {
    return "";
  },

  async verify() {
    return {
      ok: false,
      code: "unauthorized",
      reason: "sources of this type are disabled in this deployment",
    };
  },
};
