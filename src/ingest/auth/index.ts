import type { SourceType } from "../source-config";
import { genericHmac } from "./generic-hmac";
import { github } from "./github";
import { shopify } from "./shopify";
import { standardWebhooks } from "./standard-webhooks";
import { stripe } from "./stripe";
import type { AuthScheme } from "./types";

/** The authentication scheme of each source type. */
export const AUTH_SCHEMES: Record<SourceType, AuthScheme> = {
  "standard-webhooks": standardWebhooks,
  github,
  shopify,
  stripe,
  "generic-hmac": genericHmac,
};

/** The scheme for `type`. */
export function authSchemeFor(type: SourceType): AuthScheme {
  return AUTH_SCHEMES[type];
}
