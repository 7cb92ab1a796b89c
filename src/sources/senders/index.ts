import type { SourceType } from "../config";
import { apiKey } from "./api-key";
import { app } from "./app";
import { basicAuth } from "./basic-auth";
import { bearerToken } from "./bearer-token";
import { csvFile } from "./csv-file";
import { genericHmac } from "./generic-hmac";
import { github } from "./github";
import { restPoll } from "./rest-poll";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { standardWebhooks } from "./standard-webhooks";
import { stripe } from "./stripe";
import { twilio } from "./twilio";
import type { Sender, SenderOverrides } from "./types";
import { unauthenticated } from "./unauthenticated";

/**
 * Every sender, by source type. Adding a sender is its module plus one line here (and its name in
 * SOURCE_TYPES); `satisfies` makes the compiler refuse a registry that misses a type.
 */
export const SENDERS = {
  "standard-webhooks": standardWebhooks,
  github,
  shopify,
  stripe,
  "generic-hmac": genericHmac,
  app,
  slack,
  twilio,
  "basic-auth": basicAuth,
  "bearer-token": bearerToken,
  "api-key": apiKey,
  "rest-poll": restPoll,
  "csv-file": csvFile,
  unauthenticated,
} as const satisfies Record<SourceType, Sender>;

/** The sender of a source type, or its replacement in `overrides` (see {@link SenderOverrides}). */
export function senderFor(type: SourceType, overrides?: SenderOverrides): Sender {
  return overrides?.[type] ?? SENDERS[type];
}

/**
 * The sender of a type read from storage or a queue message, or undefined for a type this version
 * does not know (a row written by a newer version, or a corrupted message).
 */
export function findSender(type: string): Sender | undefined {
  return Object.hasOwn(SENDERS, type) ? SENDERS[type as SourceType] : undefined;
}

export type { Sender, SenderOverrides } from "./types";
