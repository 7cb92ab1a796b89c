import type { SourceType } from "../config";
import { apiKey } from "./api-key";
import { appWriteKey } from "./app-write-key";
import { basicAuth } from "./basic-auth";
import { bearerToken } from "./bearer-token";
import { genericHmac } from "./generic-hmac";
import { github } from "./github";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { standardWebhooks } from "./standard-webhooks";
import { stripe } from "./stripe";
import { twilio } from "./twilio";
import type { AuthScheme } from "./types";
import { unauthenticated } from "./unauthenticated";

/** The authentication scheme of each source type. */
export const AUTH_SCHEMES: Record<SourceType, AuthScheme> = {
  "standard-webhooks": standardWebhooks,
  github,
  shopify,
  stripe,
  "generic-hmac": genericHmac,
  app: appWriteKey,
  slack,
  twilio,
  "basic-auth": basicAuth,
  "bearer-token": bearerToken,
  "api-key": apiKey,
  // Pulling sources authenticate file uploads (POST /v1/sources/{id}/files) with their API key.
  "rest-poll": apiKey,
  "csv-file": apiKey,
  unauthenticated,
};

/** The scheme for `type`. */
export function authSchemeFor(type: SourceType): AuthScheme {
  return AUTH_SCHEMES[type];
}
