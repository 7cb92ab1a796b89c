import { isCredentialHeader } from "../lib/credential-headers";
import type { ErrorCode } from "../lib/errors";
import type { GenericHmac, SourceConfig, SourceType } from "./config";
import { senderFor } from "./senders";
import { UNSIGNED_ID_SOURCE_TYPES } from "./signed-content-key";

/** A source setting that is well-formed but unsafe: why, and the stable code the admin API answers. */
export interface SourceConfigProblem {
  code: Extract<ErrorCode, "idempotency_key_credential" | "signature_config_unsigned">;
  /** Operator-facing: names the setting and what is wrong; never contains a secret. */
  detail: string;
}

/**
 * Checks a source's settings for combinations its schema cannot express:
 * - an idempotency key built from a credential header (the key is stored in the delivery log, so the
 *   token would be too);
 * - generic-hmac settings under which part of a delivery the gateway relies on is not signed (see
 *   {@link unsignedGenericHmacParts}).
 * Empty when the settings are safe. Run at create (and any update) time; stored sources are read as is.
 */
export function sourceConfigProblems(type: SourceType, config: SourceConfig): SourceConfigProblem[] {
  const problems: SourceConfigProblem[] = [];
  if (type === "generic-hmac")
    for (const detail of unsignedGenericHmacParts(config))
      problems.push({ code: "signature_config_unsigned", detail });
  if (UNSIGNED_ID_SOURCE_TYPES.has(type))
    for (const part of config.idempotencyKey?.parts ?? [])
      if ("header" in part)
        problems.push({
          code: "signature_config_unsigned",
          detail: `idempotency key part "${part.header}" is not signed by ${type}: use a path into the body, or leave idempotencyKey unset (the signed content is the key)`,
        });
  for (const header of idempotencyHeaders(type, config)) {
    if (isCredentialHeader(header) || header === config.apiKeyHeader?.toLowerCase())
      problems.push({
        code: "idempotency_key_credential",
        detail: `idempotency key part "${header}" is a credential header: the key is stored in the delivery log`,
      });
  }
  return problems;
}

/** Header names (lower case) the source's idempotency key would be read from. */
export function idempotencyHeaders(type: SourceType, config: SourceConfig): string[] {
  // A generic-hmac `idHeader` is that sender's preset (senders/generic-hmac.ts).
  const parts = config.idempotencyKey
    ? config.idempotencyKey.parts
    : senderFor(type).idempotencyPreset(config).flat();
  return parts.flatMap((part) => ("header" in part ? [part.header.toLowerCase()] : []));
}

/**
 * What a generic-hmac source would accept without the sender's signature covering it. Each would let
 * someone holding one captured delivery forge or replay others:
 * - no `{body}` in `signedContent` (a literal template included): any body verifies;
 * - a `timestampHeader` not in `signedContent`: a stale capture is re-sent with a fresh timestamp;
 * - an `idHeader` not in `signedContent`: a capture is re-sent under a new id and stored again;
 * - an idempotency key read from any other header: same, through the configured key.
 * Empty when everything the gateway reads from a delivery is signed.
 */
export function unsignedGenericHmacParts(config: SourceConfig): string[] {
  const settings: Partial<GenericHmac> = config.genericHmac ?? {};
  const content = settings.signedContent ?? "{body}";
  const problems: string[] = [];
  if (!content.includes("{body}"))
    problems.push(
      /\{(timestamp|id)\}/.test(content)
        ? `genericHmac.signedContent "${content}" has no {body}: the body would be unsigned`
        : `genericHmac.signedContent "${content}" is a literal with no placeholder: the body would be unsigned`,
    );
  if (settings.timestampHeader && !content.includes("{timestamp}"))
    problems.push(
      `genericHmac.timestampHeader "${settings.timestampHeader}" is not in signedContent (add {timestamp}): the timestamp would be unsigned`,
    );
  if (settings.idHeader && !content.includes("{id}"))
    problems.push(
      `genericHmac.idHeader "${settings.idHeader}" is not in signedContent (add {id}): the delivery id would be unsigned`,
    );
  const signedId = content.includes("{id}") ? settings.idHeader?.toLowerCase() : undefined;
  for (const part of config.idempotencyKey?.parts ?? [])
    if ("header" in part && part.header.toLowerCase() !== signedId)
      problems.push(
        `idempotency key part "${part.header}" is not signed: use genericHmac.idHeader with {id} in signedContent, or a path into the body`,
      );
  return problems;
}
