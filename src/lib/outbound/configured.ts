import { ApiError } from "../errors";
import { outboundPolicy, refusalOf } from "./guard";

/**
 * Checks a URL an operator configures (poll URL, CSV URL, fetch-on-notify template, OAuth token URL,
 * extension endpoint) against the deployment's outbound policy, so a non-public target is refused
 * when it is saved, not only when it is called. For a template only its literal origin is checked.
 * @throws ApiError `outbound_target_refused` naming `field` and the reason
 */
export function assertConfiguredTarget(
  env: { ALLOW_PRIVATE_OUTBOUND_TARGETS?: string },
  field: string,
  url: string | undefined,
): void {
  if (url === undefined) return;
  const origin = /^https?:\/\/[^/?#{}]+/i.exec(url)?.[0] ?? url;
  const reason = refusalOf(origin, outboundPolicy(env));
  if (reason) throw new ApiError("outbound_target_refused", `${field}: ${reason}`);
}
