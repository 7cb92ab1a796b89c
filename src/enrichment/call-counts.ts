import { metrics } from "../observability/metrics/recorder";
import type { Extension } from "./config";

/**
 * Counts one call to an extension's endpoint as `tributary_extension_calls_total`: outcome `ok` or the
 * failure (`timeout`, `network`, `http_status`, `circuit_open`, `rate_limited`, `too_large`, `not_utf8`, `refused`). The
 * label is `<workspace>/<extension name>`: names are unique per workspace only.
 */
export function countExtensionCall(
  extension: Pick<Extension, "workspace" | "name">,
  outcome: { ok: true } | { ok: false; failure: string },
): void {
  metrics.count("tributary_extension_calls_total", {
    extension: `${extension.workspace}/${extension.name}`,
    outcome: outcome.ok ? "ok" : outcome.failure,
  });
}
