import type { SourceType } from "../../ingest/source-config";
import { mapGeneric } from "./generic";
import { mapGitHub } from "./github";
import { mapShopify } from "./shopify";
import { mapStripe } from "./stripe";
import type { Mapper } from "./types";

/** The built-in mapping of each source type. */
export const MAPPERS: Record<SourceType, Mapper> = {
  shopify: mapShopify,
  github: mapGitHub,
  stripe: mapStripe,
  "standard-webhooks": mapGeneric,
  "generic-hmac": mapGeneric,
};
