import type { SourceType } from "../../sources/config";
import { mapGeneric } from "./generic";
import { mapGitHub } from "./github";
import { mapRecord } from "./record";
import { mapSegment } from "./segment";
import { mapShopify } from "./shopify";
import { mapSlack } from "./slack";
import { mapStripe } from "./stripe";
import { mapTwilio } from "./twilio";
import type { Mapper } from "./types";

/** The built-in mapping of each source type. */
export const MAPPERS: Record<SourceType, Mapper> = {
  shopify: mapShopify,
  github: mapGitHub,
  stripe: mapStripe,
  "standard-webhooks": mapGeneric,
  "generic-hmac": mapGeneric,
  app: mapSegment,
  slack: mapSlack,
  twilio: mapTwilio,
  // Credential schemes say nothing about the payload: their sources map with JSON paths.
  "basic-auth": mapGeneric,
  "bearer-token": mapGeneric,
  "api-key": mapGeneric,
  unauthenticated: mapGeneric,
  "rest-poll": mapRecord,
  "csv-file": mapRecord,
};
